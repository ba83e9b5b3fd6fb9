"""Hot-path SELECTs written once per database, read into models the way the ORM does.

A queryset is compiled to SQL anew every time it runs. For the reads that every
request makes (the signed-in user, the session) that compiling is most of their
CPU: a three-table select_related() costs about 0.6 ms against 0.14 ms for sending
the same text (bench.request_cost and docs/RELIABILITY.md). Here the SQL is built
from the models' metadata once per connection alias, and each row goes through the
same converters and `Model.from_db()` that the ORM's own iterator uses.
"""

from typing import NamedTuple

from django.db import connections


class ModelColumns(NamedTuple):
    """One model's concrete columns in a SELECT: their SQL and their converters."""

    model: type
    alias: str
    sql: tuple
    converters: tuple  # one (converter functions, expression) per column
    pk_index: int

    @classmethod
    def of(cls, model, alias, connection):
        # The backend converters are bound to this thread's connection, and read only
        # settings through it (the time zone): they serve every thread's connection.
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        columns = [field.get_col(alias) for field in fields]
        return cls(
            model=model,
            alias=alias,
            sql=tuple(f"{quote(alias)}.{quote(field.column)}" for field in fields),
            converters=tuple(
                (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
                for col in columns
            ),
            pk_index=fields.index(model._meta.pk),
        )

    def instance(self, row, connection):
        """The model instance of `row` (this model's values only), or None if its key is NULL."""
        values = []
        for value, (converters, expression) in zip(row, self.converters, strict=True):
            for converter in converters:
                value = converter(value, expression, connection)
            values.append(value)
        if values[self.pk_index] is None:
            return None  # the LEFT JOIN found no row
        return self.model.from_db(connection.alias, None, values)


def split_row(row, parts):
    """Cut one joined row into the slices that belong to each of `parts`."""
    start = 0
    for part in parts:
        end = start + len(part.sql)
        yield part, row[start:end]
        start = end


def fetch_one(alias, sql, params):
    """The first row of `sql` on the connection `alias`, or None."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
