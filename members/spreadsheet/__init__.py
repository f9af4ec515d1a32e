"""Members in and out of spreadsheets.

One sheet row is one person with one role (the API's body, flattened):

    village, nik, full_name, birth_date, sex, phone, category, position, term_start,
    term_end, occupation, segment, programs, declared_income, wage, risk_class,
    funding_source

- ``columns``: the columns, their kinds and the file limits;
- ``template``: the .xlsx template with drop-downs and its Indonesian instructions;
- ``reading``: an .xlsx or .csv upload → numbered rows;
- ``cleaning``: one row as typed → the API's body, errors → the sheet's columns;
- ``export``: the member list as a file.

Importing the rows (through ``members.serializers.MemberWriteSerializer`` and the same
services as the API) is ``members.services.imports``; errors come back per row, with the
row number the user sees (the header is row 1) and the column at fault.
"""
