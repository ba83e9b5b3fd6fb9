CREATE TRIGGER trg_access_log_no_delete
BEFORE DELETE ON Access_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be deleted');
END;
