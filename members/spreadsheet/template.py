"""The .xlsx import template: the "Anggota" sheet to fill in and the "Petunjuk" sheet."""

from __future__ import annotations

import functools
import io

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import (
    CHOICES,
    COLUMNS,
    DATE_COLUMNS,
    EXAMPLE,
    MONEY_COLUMNS,
    TEMPLATE_ROWS,
    TEXT_COLUMNS,
    WIDTHS,
)

# The second sheet, in Indonesian: (column, required, what it is, allowed values).
_HELP = [
    (
        "village",
        "Wajib",
        "Kode desa/kelurahan Kemendagri dengan titik, misalnya 33.26.13.2008. Desa harus "
        "berada dalam wilayah akun Anda.",
        "Kode desa 13 karakter (PP.KK.CC.DDDD)",
    ),
    (
        "nik",
        "Wajib",
        "Nomor Induk Kependudukan, 16 digit, sesuai KTP/KK. FORMAT KOLOM INI SEBAGAI TEKS "
        "(Format Cells → Text) sebelum mengetik atau menempel NIK: bila NIK tersimpan sebagai "
        "angka, Excel hanya menyimpan 15 digit dan digit terakhir berubah menjadi 0 "
        "(3326134507850001 menjadi 3326134507850000, tampil sebagai 3,32613E+15). Baris "
        "seperti itu ditolak. NIK harus cocok dengan tanggal lahir dan jenis kelamin "
        "(perempuan: tanggal lahir + 40).",
        "16 digit",
    ),
    ("full_name", "Wajib", "Nama lengkap sesuai KTP.", "Teks, maks. 150 karakter"),
    (
        "birth_date",
        "Wajib",
        "Tanggal lahir. Boleh berupa tanggal Excel, atau ditulis dd/mm/yyyy (05/07/1985) "
        "atau yyyy-mm-dd (1985-07-05).",
        "Tanggal",
    ),
    ("sex", "Wajib", "Jenis kelamin.", "male (laki-laki), female (perempuan)"),
    (
        "phone",
        "Tidak",
        "Nomor HP, diawali 08 atau +62. Kolom ini berformat teks agar angka 0 di depan "
        "tidak hilang.",
        "Teks, maks. 20 karakter",
    ),
    (
        "category",
        "Wajib",
        "Peran orang tersebut di desa. Satu baris = satu peran; orang dengan dua peran "
        "didaftarkan dengan satu peran, peran lain ditambahkan di aplikasi.",
        "kepala_desa, perangkat_desa (sekdes, kaur, kasi, kadus), bpd, rt, rw, linmas, lkd "
        "(PKK, Karang Taruna, LPM, kader posyandu), pekerja_rentan. Kelurahan tidak "
        "mempunyai kepala_desa, perangkat_desa dan bpd.",
    ),
    ("position", "Tidak", "Nama jabatan, misalnya Ketua BPD, Kaur Keuangan.", "Teks"),
    ("term_start", "Tidak", "Awal masa jabatan.", "Tanggal"),
    ("term_end", "Tidak", "Akhir masa jabatan (tidak boleh sebelum term_start).", "Tanggal"),
    (
        "occupation",
        "Wajib untuk pekerja_rentan",
        "Pekerjaan pekerja rentan; kosongkan untuk peran lain.",
        "petani, nelayan, buruh_tani, buruh_harian, pedagang, umkm, ojek, pengrajin, lainnya",
    ),
    (
        "segment",
        "Tidak",
        "Segmen kepesertaan BPJS Ketenagakerjaan. Kosongkan seluruh kolom segment sampai "
        "funding_source bila orang tersebut belum didaftarkan kepesertaannya.",
        "bpu (Bukan Penerima Upah), pu (Penerima Upah)",
    ),
    (
        "programs",
        "Wajib bila segment diisi",
        "Program yang diikuti, dipisah koma. JKK dan JKM wajib; JP hanya untuk pu.",
        "jkk, jkm, jht, jp (contoh: jkk,jkm)",
    ),
    (
        "declared_income",
        "Wajib untuk bpu",
        "Penghasilan sebulan yang dilaporkan (dasar iuran BPU), dalam rupiah utuh.",
        "Angka, misalnya 1000000 atau 1.000.000",
    ),
    (
        "wage",
        "Wajib untuk pu",
        "Upah sebulan (siltap) untuk Penerima Upah, dalam rupiah utuh; kosongkan untuk bpu.",
        "Angka, misalnya 2400000",
    ),
    (
        "risk_class",
        "Wajib untuk pu",
        "Kelas risiko pekerjaan (kantor desa: very_low); kosongkan untuk bpu.",
        "very_low, low, medium, high, very_high",
    ),
    (
        "funding_source",
        "Wajib bila segment diisi",
        "Sumber dana iuran. IURAN TIDAK BOLEH DIBAYAR DARI DANA DESA: bila desa yang "
        "membayar, gunakan ADD atau pendapatan APBDes lainnya. Kelurahan tidak mempunyai "
        "ADD/APBDes: gunakan apbd, csr atau mandiri.",
        "add, apbdes, apbd, mandiri, csr",
    ),
]

_NOTES = [
    "Petunjuk umum",
    "• Baris pertama lembar Anggota adalah nama kolom: jangan diubah atau dihapus. Urutan "
    "kolom boleh berbeda; kolom lain diabaikan.",
    "• Hapus baris contoh (Siti Aminah) sebelum mengunggah; baris contoh yang tidak diubah "
    "dilewati.",
    "• Huruf besar/kecil dan spasi berlebih tidak masalah (Female, BPD, ' bpd ').",
    "• Nominal uang dalam rupiah utuh: 1000000, 1.000.000 atau Rp 1.000.000.",
    "• Kolom NIK harus berformat Teks. NIK yang terbaca sebagai angka ditolak karena digit "
    "terakhirnya sudah hilang.",
    "• Iuran tidak boleh dibayar dari Dana Desa (funding_source dana_desa ditolak).",
    "• Unggahan bersifat semua atau tidak sama sekali: bila ada satu baris yang salah, tidak "
    "ada yang disimpan dan semua kesalahan dilaporkan per baris dan kolom. Dengan partial=true "
    "baris yang benar tetap disimpan. Dengan dry_run=true file hanya diperiksa.",
    "• NIK yang sudah terdaftar di desa yang sama memperbarui data orang tersebut (nama, "
    "tanggal lahir, jenis kelamin, HP, pekerjaan, kepesertaan); NIK yang terdaftar di desa "
    "lain ditolak.",
    "• Ukuran file paling besar 5 MB, berformat .xlsx atau .csv (UTF-8, pemisah koma atau "
    "titik koma).",
]


def build_template() -> bytes:
    """The .xlsx import template: the "Anggota" sheet to fill in and the "Petunjuk" sheet."""
    return _template_bytes()


@functools.lru_cache(maxsize=1)
def _template_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Anggota"
    header_fill = PatternFill("solid", fgColor="1F4E78")
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    sheet.append([EXAMPLE[name] for name in COLUMNS])
    last = TEMPLATE_ROWS + 1
    for index, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = WIDTHS[name]
        number_format = None
        if name in TEXT_COLUMNS:
            number_format = "@"
        elif name in DATE_COLUMNS:
            number_format = "yyyy-mm-dd"
        elif name in MONEY_COLUMNS:
            number_format = "#,##0"
        if number_format:
            # The column's style covers rows typed below the range; the cells the range.
            dimension.number_format = number_format
            for row in range(2, last + 1):
                sheet.cell(row=row, column=index).number_format = number_format
        if name in CHOICES:
            values = CHOICES[name].values
            validation = DataValidation(
                type="list",
                formula1='"{}"'.format(",".join(values)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="Nilai tidak dikenal",
                error="Pilih salah satu: " + ", ".join(values),
                showInputMessage=False,
            )
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet("Petunjuk")
    help_sheet.append(["Kolom", "Wajib?", "Keterangan", "Nilai yang boleh"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
    for entry in _HELP:
        help_sheet.append(list(entry))
    help_sheet.append([])
    for note in _NOTES:
        help_sheet.append([note])
    help_sheet.cell(row=len(_HELP) + 3, column=1).font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 22, 90, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=2, max_row=len(_HELP) + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
