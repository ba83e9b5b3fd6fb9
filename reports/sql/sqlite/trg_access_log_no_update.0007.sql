CREATE TRIGGER trg_access_log_no_update
BEFORE UPDATE ON Access_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Access_Log is append-only: rows cannot be updated');
END;
