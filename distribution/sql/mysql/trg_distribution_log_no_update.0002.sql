CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.log_id <=> OLD.log_id
        AND NEW.household_id <=> OLD.household_id
        AND NEW.package_id <=> OLD.package_id
        AND NEW.center_id <=> OLD.center_id
        AND NEW.quantity_distributed <=> OLD.quantity_distributed
        AND NEW.distribution_date <=> OLD.distribution_date
        AND NEW.transaction_status <=> OLD.transaction_status
        AND NEW.failure_reason <=> OLD.failure_reason
        AND NEW.failure_code <=> OLD.failure_code
        AND NEW.notes <=> OLD.notes
        AND NEW.voided_log_id <=> OLD.voided_log_id
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be updated';
    END IF;
END;
