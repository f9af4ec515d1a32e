#!/usr/bin/env bash
# The README's walk through the API, as a script: run it against a fresh `make run`
# (CI does: .ci/run starts `make run` on a new database and runs this).
#
#   docs/walk.sh                          # http://127.0.0.1:8000
#   docs/walk.sh http://127.0.0.1:8777    # another server
#
# Needs curl and python3. Every call checks its status and stops the walk on another one;
# the lines starting with "⇒" are the answers the README shows (a test compares them).
# It writes its files (the spreadsheet it imports, the downloads) into a temporary
# directory, and uses docs/examples/bukti-transfer.pdf as the transfer evidence.
set -euo pipefail

BASE=${1:-http://127.0.0.1:8000}
API=$BASE/api/v1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# call STATUS METHOD PATH [curl arguments…]: the answer's body on stdout; any other status
# than STATUS prints the answer and stops the walk.
call() {
    local expected=$1 method=$2 path=$3
    shift 3
    local status
    status=$(curl -sS -o body.out -w '%{http_code}' -X "$method" "$API$path" "$@")
    if [[ $status != "$expected" ]]; then
        echo "✗ $method $path answered $status, not $expected:" >&2
        head -c 2000 body.out >&2
        echo >&2
        exit 1
    fi
    cat body.out
}
# field EXPRESSION: a value of the JSON answer on stdin, e.g. field '["results"][0]["id"]'.
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
show() { echo "⇒ $*"; }
login() {
    call 200 POST /auth/token/ -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"demo-desa-2025\"}" | field '["access"]'
}

# --- where to start, and who am I -----------------------------------------------------------
ROOT=$(call 200 GET /)
show "root: schema at $(field '["schema"]' <<<"$ROOT" | sed "s|$BASE||")"
TOKEN=$(login op_kwayangan)
ME=$(call 200 GET /auth/me/ -H "Authorization: Bearer $TOKEN")
show "me: $(field '["role"]' <<<"$ME") of $(field '["scope"]["name"]' <<<"$ME")"
show "villages: $(call 200 GET /villages/ -H "Authorization: Bearer $TOKEN" | field '["count"]')"
call 404 GET /villages/33.02.01.2001/ -H "Authorization: Bearer $TOKEN" >/dev/null
show "Banyumas's village: 404"

# --- the regency sets seats and a target, and adds an operator ----------------------------
PMD=$(login pmd_kab_pekalongan)
call 200 PATCH /villages/33.26.13.2008/ -H "Authorization: Bearer $PMD" \
    -H 'Content-Type: application/json' \
    -d '{"position_counts": {"bpd": 7, "rt": 24, "rw": 5, "linmas": 15}, "rentan_target": 100}' \
    >/dev/null
USER=$(call 201 POST /users/ -H "Authorization: Bearer $PMD" -H 'Content-Type: application/json' \
    -d '{"username": "op_kwayangan2", "password": "Rahasia-Desa-2025", "full_name": "Siti Aminah",
         "role": "village_operator", "scope_code": "33.26.13.2008", "phone": "081234567890"}')
show "new user: $(field '["username"]' <<<"$USER"), $(field '["role"]' <<<"$USER")"

# --- a member: registered, submitted, activated ---------------------------------------------
MEMBER=$(call 201 POST /members/ -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"village": "33.26.13.2008", "nik": "3326130507850003", "full_name": "Ahmad Fauzi",
         "birth_date": "1985-07-05", "sex": "male", "phone": "081234567891",
         "roles": [{"category": "perangkat_desa", "position": "Kaur Keuangan",
                    "term_start": "2023-01-01"}],
         "enrollment": {"segment": "pu", "programs": ["jkk", "jkm"], "wage": 2500000,
                        "risk_class": "very_low", "funding_source": "add"}}')
ID=$(field '["id"]' <<<"$MEMBER")
show "member: $(field '["nik_masked"]' <<<"$MEMBER"), $(field '["enrollment"]["status"]' <<<"$MEMBER"), Rp $(field '["enrollment"]["monthly_contribution"]' <<<"$MEMBER") a month"
show "detail: $(field '["enrollment"]["contribution_detail"]' <<<"$MEMBER")"
call 200 POST "/members/$ID/submit/" -H "Authorization: Bearer $TOKEN" >/dev/null
BPJS=$(login bpjs_kab_pekalongan)
MONTH=$(date +%Y-%m)
ACTIVE=$(call 200 POST "/members/$ID/activate/" -H "Authorization: Bearer $BPJS" \
    -H 'Content-Type: application/json' \
    -d "{\"kpj_number\": \"12345678901\", \"effective_from\": \"$MONTH-01\"}")
show "activated: $(field '["enrollment"]["status"]' <<<"$ACTIVE"), KPJ $(field '["enrollment"]["kpj_number"]' <<<"$ACTIVE")"
HISTORY=$(call 200 GET "/members/$ID/history/" -H "Authorization: Bearer $TOKEN")
show "history: $(field '["count"]' <<<"$HISTORY") entries"

# --- a spreadsheet: the template, a file of one new row, tried, then loaded -------------------
call 200 GET /members/import-template/ -H "Authorization: Bearer $TOKEN" >template-anggota.xlsx
printf '%s\n' \
    'village,nik,full_name,birth_date,sex,phone,category,position,term_start,term_end,occupation,segment,programs,declared_income,wage,risk_class,funding_source' \
    '33.26.13.2008,3326134104900002,Sri Wahyuni,1990-04-01,female,081234567892,pekerja_rentan,,,,petani,bpu,"jkk,jkm",1000000,,,add' \
    >anggota.csv
TRIED=$(call 200 POST "/members/import/?dry_run=true" -H "Authorization: Bearer $TOKEN" -F file=@anggota.csv)
show "dry run: created $(field '["created"]' <<<"$TRIED"), errors $(field '["errors"]' <<<"$TRIED")"
LOADED=$(call 200 POST /members/import/ -H "Authorization: Bearer $TOKEN" -F file=@anggota.csv)
show "import: created $(field '["created"]' <<<"$LOADED"), dry_run $(field '["dry_run"]' <<<"$LOADED")"
call 200 GET "/members/export/?format=csv&status=active" -H "Authorization: Bearer $TOKEN" >anggota-aktif.csv
show "export: $(head -n 1 anggota-aktif.csv | tr -d '\357\273\277' | cut -d, -f1-3)"

# --- money: the month's bills, a payment with its evidence, the review ---------------------------
GENERATED=$(call 200 POST /bills/generate/ -H "Authorization: Bearer $PMD" \
    -H 'Content-Type: application/json' -d "{\"period\": \"$MONTH\", \"regency\": \"33.26\"}")
show "generate again: $(field '["bills_created"]' <<<"$GENERATED") new bills"
BILL=$(call 200 GET "/bills/?period=$MONTH&segment=pu&funding_source=add" \
    -H "Authorization: Bearer $TOKEN" | field '["results"][0]["id"]')
OUTSTANDING=$(call 200 GET "/bills/$BILL/" -H "Authorization: Bearer $TOKEN" | field '["outstanding"]')
pay() {
    call 201 POST /payments/ -H "Authorization: Bearer $TOKEN" \
        -H "Idempotency-Key: kwayangan-$MONTH-pu-1" \
        -F village=33.26.13.2008 -F bill="$BILL" -F amount="$OUTSTANDING" \
        -F paid_on="$(date +%Y-%m-%d)" -F method=transfer -F reference=TRF-0001 \
        -F funding_source=add -F evidence=@"$HERE/examples/bukti-transfer.pdf"
}
PAYMENT=$(pay | field '["id"]')
AGAIN=$(pay | field '["id"]')
[[ $PAYMENT == "$AGAIN" ]] && show "the same payment sent twice: one payment"
VERIFIED=$(call 200 POST "/payments/$PAYMENT/verify/" -H "Authorization: Bearer $PMD" \
    -H 'Content-Type: application/json' -d '{"note": "Sesuai rekening koran"}')
show "payment: $(field '["status"]' <<<"$VERIFIED") by $(field '["verified_by"]' <<<"$VERIFIED")"
call 409 POST "/payments/$PAYMENT/verify/" -H "Authorization: Bearer $PMD" \
    -H 'Content-Type: application/json' -d '{"note": "lagi"}' >/dev/null
show "verify again: 409"
call 200 GET "/arrears/?regency=33.26" -H "Authorization: Bearer $PMD" >/dev/null
call 200 GET "/budgets/?year=${MONTH%-*}" -H "Authorization: Bearer $PMD" >/dev/null

# --- what the regency watches ------------------------------------------------------------------------
PROGRESS=$(call 200 GET /villages/33.26.13.2008/progress/ -H "Authorization: Bearer $PMD")
show "Kwayangan: rentan $(field '["rentan"]["active"]' <<<"$PROGRESS") of $(field '["rentan"]["target"]' <<<"$PROGRESS"), BPD seats $(field '["categories"]["bpd"]["positions"]' <<<"$PROGRESS")"
COVERAGE=$(call 200 GET "/reports/coverage/?level=district&code=33.26" -H "Authorization: Bearer $PMD")
show "coverage: $(field '["rows"].__len__()' <<<"$COVERAGE") districts of Kab. Pekalongan"
call 200 GET "/reports/compliance/?regency=33.26&year=${MONTH%-*}&format=xlsx" \
    -H "Authorization: Bearer $PMD" >tertib-bayar.xlsx
show "compliance as a spreadsheet: $(head -c 2 tertib-bayar.xlsx)"
call 200 GET "/notifications/?unread=true" -H "Authorization: Bearer $TOKEN" >/dev/null

# --- errors: one body, in Indonesian unless asked otherwise -----------------------------------
WRONG=$(call 401 POST /auth/token/ -H 'Accept-Language: en' -H 'Content-Type: application/json' \
    -d '{"username": "op_kwayangan", "password": "wrong"}')
show "wrong password: $(field '["errors"][0]["code"]' <<<"$WRONG"), \"$(field '["errors"][0]["detail"]' <<<"$WRONG")\""
FORM=$(call 415 POST /budgets/ -H "Authorization: Bearer $PMD" -F year=2026)
show "a form instead of JSON: $(field '["errors"][0]["code"]' <<<"$FORM")"
echo "walk: done"
