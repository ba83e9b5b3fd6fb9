CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.access_id IS OLD.access_id
    AND NEW.staff_name IS OLD.staff_name
    AND NEW.action IS OLD.action
    AND NEW.target IS OLD.target
    AND NEW.object_id IS OLD.object_id
    AND NEW.export_format IS OLD.export_format
    AND NEW.params IS OLD.params
    AND NEW.row_count IS OLD.row_count
    AND NEW.created_at IS OLD.created_at
)
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be updated');
END;
