CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.access_id <=> OLD.access_id
        AND NEW.staff_name <=> OLD.staff_name
        AND NEW.action <=> OLD.action
        AND NEW.target <=> OLD.target
        AND NEW.object_id <=> OLD.object_id
        AND NEW.export_format <=> OLD.export_format
        AND NEW.params <=> OLD.params
        AND NEW.row_count <=> OLD.row_count
        AND NEW.created_at <=> OLD.created_at
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Access_Log is append-only: rows cannot be updated';
    END IF;
END;
