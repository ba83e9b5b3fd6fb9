CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_center_id, v_package_id, v_household_id, v_quantity INT;
    DECLARE v_status VARCHAR(9);
    IF NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL THEN
        SELECT CAST(DATE_FORMAT(o.distribution_date, '%Y-%m-01') AS DATE),
               o.center_id, o.package_id, o.household_id, o.quantity_distributed,
               o.transaction_status
          INTO v_month, v_center_id, v_package_id, v_household_id, v_quantity, v_status
          FROM Distribution_Log o
         WHERE o.log_id = NEW.voided_log_id;
        IF v_status = 'success' THEN
            SELECT category INTO v_category
              FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            UPDATE Distribution_Household_Months SET distributions = distributions - 1
             WHERE center_id IN (v_center_id, 0) AND category IN (v_category, '*') AND household_id = v_household_id AND month = v_month;
            UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, hm.month, COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), DATE '1000-01-01')
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (v_center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = v_household_id AND hm.month = v_month AND hm.distributions = 0
     );
            UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (v_center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = v_household_id AND hm.month = v_month AND hm.distributions = 0
     );
            INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), DATE '1000-01-01'), 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN (v_center_id, 0) AND hm.category IN (v_category, '*') AND hm.household_id = v_household_id AND hm.month = v_month AND hm.distributions = 0 AND (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month) IS NOT NULL
    ON DUPLICATE KEY UPDATE households = households + 1;
            DELETE FROM Distribution_Monthly_Households
     WHERE households = 0 AND center_id IN (v_center_id, 0) AND category IN (v_category, '*')
       AND month >= v_month;
    DELETE FROM Distribution_Household_Months WHERE center_id IN (v_center_id, 0) AND category IN (v_category, '*') AND household_id = v_household_id AND month = v_month AND distributions = 0;
            UPDATE Distribution_Monthly_Rollup
               SET distributions = distributions - 1, packages = packages - v_quantity
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            DELETE FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id
               AND distributions = 0;
        END IF;
    END IF;
END;
