#!/usr/bin/env bash
# Schemathesis against a running server seeded by `make run`: every operation of the published
# schema, as a village operator and as a PMD auditor, with a bounded number of examples per
# operation. It fails on any server error (5xx) and on any answer that breaks the schema
# (an undocumented status code, a JSON body that does not validate against the documented one).
#
#   tests/fuzz/schemathesis.sh                          # http://127.0.0.1:8000
#   tests/fuzz/schemathesis.sh http://127.0.0.1:8777    # another server
#   FUZZ_MAX_EXAMPLES=100 tests/fuzz/schemathesis.sh    # a longer run
#
# The run writes (it creates, edits, deletes and pays whatever the two users may): point it at
# a disposable server only, such as the one CI starts on a new database. Run it once per fresh
# server: the schema's example login is op_kwayangan, so the fuzzed logins count as failures
# against it and the login throttle refuses that user for an hour (both tokens are fetched
# before any fuzzing for that reason). About 1m30s per user on 2 idle cores, 10 examples per
# operation; the coverage phase (boundary values, wrong types) is a fixed ~3,300 cases each.
set -euo pipefail

BASE=${1:-http://127.0.0.1:8000}
BASE=${BASE%/}
API=$BASE/api/v1
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-10}
SEED=${FUZZ_SEED:-20250101}
PASSWORD=demo-desa-2025
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=$ROOT/.venv/bin/python
ST=$ROOT/.venv/bin/schemathesis
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

curl -sf "$BASE/healthz" >/dev/null || {
    echo "✗ no server answers at $BASE/healthz (start one with \`make run\`)" >&2
    exit 1
}

login() {
    curl -sS -f -X POST "$API/auth/token/" -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" |
        "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}

# config USER TOKEN: identifiers that exist and that USER may see (from the list operations)
# for each path parameter, so that the operations on one object reach their validation and
# their logic instead of answering 404 to ids of nothing. Written twice:
# - $WORK/USER.toml, the config: the fuzzing phase draws a parameter from them 4 times in 5
#   (and a random well-formed id, mostly of nothing, the 5th time);
# - $WORK/USER.json, for the hooks below: the examples and coverage phases (whose cases
#   Hypothesis does not draw, so a config's dictionary does not reach them) send the same
#   "0" with every boundary value of a body, so each well-formed id they send is replaced by
#   the next of these in turn. Malformed ids ("0.5", "%C2%84") are sent as generated.
# The user's own account is left out of /users/{id}/: a PATCH of its password or role would
# log the rest of the run out.
config() {
    "$PY" - "$API" "$1" "$2" "$WORK/$1" <<'PYTHON'
import json
import re
import sys
import urllib.error
import urllib.request

api, user, token, out = sys.argv[1:]


def get(path):
    request = urllib.request.Request(api + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 403:  # a list the role may not read: nothing to bind
            return {"results": []}
        raise


# The list each object's identifiers come from: /api/v1/<list>/{id}/….
sources = {"regions": "villages"}
known, dictionaries, operations, seen = {}, {}, [], {}
for template, item in get("/schema/?format=json")["paths"].items():
    match = re.fullmatch(r"/api/v1/(.+?)/\{(\w+)\}/.*", template)
    if not match:
        continue
    prefix, name = match.groups()
    source = sources.get(prefix, prefix)
    if source not in seen:
        rows = get(f"/{source}/?page_size=20")["results"]
        key = "id" if rows and "id" in rows[0] else "code"
        seen[source] = [row[key] for row in rows if row.get("username") != user]
    for method, operation in item.items():
        if not isinstance(operation, dict):
            continue
        parameter = next(
            (p for p in operation.get("parameters", []) if p["in"] == "path" and p["name"] == name),
            None,
        )
        if parameter is None or not seen[source]:
            continue
        schema = parameter["schema"]
        integer = schema.get("type") == "integer"
        values = [int(v) if integer else str(v) for v in seen[source]]
        label = f"{method.upper()} {template}"
        pattern = r"\d+" if integer else schema.get("pattern", ".+").strip("^$")
        known.setdefault(label, {})[name] = {"pattern": pattern, "values": values}
        dictionary = f"{source}_{'int' if integer else 'str'}".replace("/", "_").replace("-", "_")
        dictionaries[dictionary] = values
        operations.append(
            f"[[operations]]\ninclude-name = {json.dumps(label)}\n"
            f'parameters = {{ "path.{name}" = {{ dictionary = "{dictionary}", probability = 0.8 }} }}'
        )
with open(f"{out}.toml", "w") as toml:
    toml.write("[dictionaries]\n")
    for dictionary, values in dictionaries.items():
        toml.write(f"{dictionary} = {{ values = {json.dumps(values)} }}\n")
    toml.write("\n" + "\n\n".join(operations) + "\n")
with open(f"{out}.json", "w") as ids:
    json.dump(known, ids)
PYTHON
}

# The hooks file of the schemathesis process (it changes nothing on the server):
# - the examples and coverage phases' well-formed path ids swapped for existing ones (above);
# - CPython 3.11.7's ast module is not thread-safe ("AST constructor recursion depth
#   mismatch" when two threads parse at once; later releases fixed it) and Hypothesis parses
#   source to describe its strategies' lambdas: with 2 workers a run failed now and then in
#   the coverage phase. Parsing under one lock takes that race away;
# - runserver writes a response's headers and body in two packets without TCP_NODELAY, so on
#   a kept-alive connection each answer waits ~40 ms for the client's delayed ACK (46 ms for
#   /healthz, 4 ms on a new connection). A new connection per request halves the run.
cat >"$WORK/hooks.py" <<'PYTHON'
import ast
import http.client
import itertools
import json
import os
import re
import threading
import types

import schemathesis
from hypothesis.internal import lambda_sources, reflection

KNOWN = json.load(open(os.environ["FUZZ_KNOWN_IDS"]))
_turns = {}
_turns_lock = threading.Lock()
_parse_lock = threading.Lock()


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is None or case.meta.phase.name not in ("examples", "coverage"):
        return
    for name, known in KNOWN.get(context.operation.label, {}).items():
        value = (case.path_parameters or {}).get(name)
        if value is None or value in known["values"]:
            continue
        if isinstance(value, bool) or not re.fullmatch(known["pattern"], str(value)):
            continue
        with _turns_lock:
            turn = next(_turns.setdefault((context.operation.label, name), itertools.count()))
        case.path_parameters[name] = known["values"][turn % len(known["values"])]


def _parse(*args, **kwargs):
    with _parse_lock:
        return ast.parse(*args, **kwargs)


lambda_sources.ast = reflection.ast = types.SimpleNamespace(**{**vars(ast), "parse": _parse})
http.client.HTTPResponse._check_close = lambda self: True
PYTHON

users=(op_kwayangan pmd_kab_pekalongan)
declare -A tokens
for user in "${users[@]}"; do
    tokens[$user]=$(login "$user") || {
        echo "✗ could not log in as ${user} (a second run against the same server? see the top)" >&2
        exit 1
    }
done

failed=()
for user in "${users[@]}"; do
    config "$user" "${tokens[$user]}"
    echo "==> schemathesis as ${user}: ${MAX_EXAMPLES} examples per operation, seed ${SEED}"
    started=$SECONDS
    # Checks: no 5xx; every status code documented for its operation; every JSON body valid
    # against the documented schema. Not content_type_conformance: under `make run` (DEBUG
    # on) a path that matches no route (an id of unprintable characters) gets Django's HTML
    # debug page, where the deployed server answers the JSON 404 of jamsostek.core.errors.
    # Not negative_data_rejection/positive_data_acceptance: they judge how lenient the
    # parsing of a query is (?page_size= is ignored, not refused), not the answers.
    set +e
    SCHEMATHESIS_HOOKS="$WORK/hooks.py" FUZZ_KNOWN_IDS="$WORK/$user.json" "$ST" --config-file "$WORK/$user.toml" run \
        "$API/schema/?format=json" \
        --header "Authorization: Bearer ${tokens[$user]}" \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing \
        --max-examples "$MAX_EXAMPLES" \
        --seed "$SEED" \
        --generation-database none \
        --workers 2 \
        --request-timeout 30 \
        --no-color
    rc=$?
    set -e
    echo "--- schemathesis as ${user}: exit ${rc} ($((SECONDS - started))s)"
    [[ $rc -eq 0 ]] || failed+=("$user")
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "✗ schemathesis failed as: ${failed[*]}" >&2
    exit 1
fi
echo "schemathesis: no server error, no answer outside the schema"
