CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.log_id IS OLD.log_id
    AND NEW.household_id IS OLD.household_id
    AND NEW.package_id IS OLD.package_id
    AND NEW.center_id IS OLD.center_id
    AND NEW.quantity_distributed IS OLD.quantity_distributed
    AND NEW.distribution_date IS OLD.distribution_date
    AND NEW.transaction_status IS OLD.transaction_status
    AND NEW.failure_reason IS OLD.failure_reason
    AND NEW.failure_code IS OLD.failure_code
    AND NEW.notes IS OLD.notes
    AND NEW.voided_log_id IS OLD.voided_log_id
)
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be updated');
END;
