CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_later INT DEFAULT 0;
    IF NEW.transaction_status = 'success' THEN
        SET v_month = CAST(DATE_FORMAT(NEW.distribution_date, '%Y-%m-01') AS DATE);
        SELECT category INTO v_category FROM Aid_Packages WHERE package_id = NEW.package_id;
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        VALUES (v_month, NEW.center_id, NEW.package_id, v_category, 1, NEW.quantity_distributed)
        ON DUPLICATE KEY UPDATE
            distributions = distributions + 1,
            packages = packages + NEW.quantity_distributed;
        SELECT category INTO v_category
          FROM Distribution_Monthly_Rollup
         WHERE month = v_month AND center_id = NEW.center_id AND package_id = NEW.package_id;
        INSERT INTO Distribution_Household_Months (center_id, category, household_id, month, distributions)
        VALUES
            (NEW.center_id, v_category, NEW.household_id, v_month, 1),
            (NEW.center_id, '*', NEW.household_id, v_month, 1),
            (0, v_category, NEW.household_id, v_month, 1),
            (0, '*', NEW.household_id, v_month, 1)
        ON DUPLICATE KEY UPDATE distributions = distributions + 1;
        INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, hm.month, COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), DATE '1000-01-01'), 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = NEW.household_id AND hm.month = v_month AND hm.distributions = 1
    ON DUPLICATE KEY UPDATE households = households + 1;
        SET v_later = (SELECT COUNT(*) FROM Distribution_Household_Months WHERE center_id IN (NEW.center_id, 0) AND category IN (v_category, '*') AND household_id = NEW.household_id AND month > v_month);
        IF v_later > 0 THEN
            UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), DATE '1000-01-01')
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = NEW.household_id AND hm.month = v_month AND hm.distributions = 1
     );
            INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month, 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = NEW.household_id AND hm.month = v_month AND hm.distributions = 1 AND (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month) IS NOT NULL
    ON DUPLICATE KEY UPDATE households = households + 1;
            DELETE FROM Distribution_Monthly_Households
             WHERE households = 0 AND center_id IN (NEW.center_id, 0)
               AND category IN (v_category, '*') AND month > v_month;
        END IF;
    END IF;
END;
