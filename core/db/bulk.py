"""Insert many new model instances in a few multi-row INSERTs, cheaply.

`QuerySet.bulk_create` runs every value of every row through its field's whole save
path and compiles each on its own: for a bulk registration's households and their
history rows that costs more than the database's own work (about 0.1 ms a row of
Python for a ten-column row). `insert_all` builds the same statements with each value
only adapted for the database. It is for instances built and validated in code: no
`pre_save` hooks run but `auto_now` and `auto_now_add`, and no signals are sent
(bulk_create sends none either).
"""

from django.db import connections, router
from django.utils import timezone


def insert_all(objects, *, stored_as_is=()):
    """INSERT `objects` (new instances of one model) and return them with their ids.

    `stored_as_is` names fields whose values are already in their stored form and
    skip their field's preparation (a phone number `full_clean` has normalised). A
    database that cannot return the ids of a multi-row INSERT gets `bulk_create`.
    """
    objects = list(objects)
    if not objects:
        return objects
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    auto_pk = meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
    fields = [
        field
        for field in meta.concrete_fields
        if not field.generated and not (auto_pk and field.primary_key)
    ]
    if auto_pk and not connection.features.can_return_rows_from_bulk_insert:
        return model._base_manager.using(alias).bulk_create(objects)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    returning = connection.ops.return_insert_columns([meta.pk])[0] if auto_pk else ""
    now = timezone.now()
    stamped = [field for field in fields if _stamps(field)]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = connection.ops.bulk_batch_size(fields, objects)
    for start in range(0, len(objects), size):
        batch = objects[start : start + size]
        values = []
        for obj in batch:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            for field in stamped:
                setattr(obj, field.attname, now)
            values.extend(
                getattr(obj, field.attname)
                if field.name in stored_as_is
                else field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in fields
            )
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        sql += ", ".join([row] * len(batch)) + (f" {returning}" if returning else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            ids = [pk for (pk,) in cursor.fetchall()] if returning else None
        for position, obj in enumerate(batch):
            if ids is not None:
                obj.pk = ids[position]
            obj._state.adding = False
            obj._state.db = alias
    return objects


def _stamps(field):
    """Whether the field takes the time of the save (auto_now, or auto_now_add on add)."""
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
