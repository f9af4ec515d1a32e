"""``field__any=ids``: a page's ids as one array parameter, ``= ANY(%s::bigint[])``.

A page of 500 members asks its roles, enrollments and arrears by 500 ids each. As
``__in`` Django prepares each id and psycopg splits a statement of 500 placeholders in
Python: 5.0 ms for the roles of a page, where ``member_id = ANY(%s)`` with the ids as one
array took 1.3 ms, the same rows in the same plan. A subquery on the right is ``IN``.
"""

from __future__ import annotations

from django.db.models import IntegerField
from django.db.models.fields.related import ForeignKey
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_sql(self, compiler, connection):
        if not self.rhs_is_direct_value():  # a subquery: as __in
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs if value is not None]
        # Typed as the column: psycopg would send small ids as integer[], and bigint =
        # ANY(integer[]) is tested element by element, not by a hash of the array.
        column = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{column}[])", [*lhs_params, ids]


def register() -> None:
    IntegerField.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
