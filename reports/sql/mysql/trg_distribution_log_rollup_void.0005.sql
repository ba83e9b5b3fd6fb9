CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month, v_day DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_center_id, v_package_id, v_household_id, v_quantity INT;
    DECLARE v_last_log, v_last_center INT;
    DECLARE v_last_at DATETIME(6);
    DECLARE v_status VARCHAR(9);
    DECLARE v_active BOOLEAN DEFAULT FALSE;
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    DECLARE v_n1, v_n2, v_n3, v_n4 INT;
    DECLARE v_p1, v_p2, v_p3, v_p4, v_x1, v_x2, v_x3, v_x4 DATE;
    SET v_bulk = @aidtracker_rollup_bulk_load <=> CONNECTION_ID();
    IF NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
       AND NOT v_bulk THEN
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
            UPDATE Distribution_Household_Months SET distributions = distributions - 1 WHERE center_id = v_center_id AND category = v_category AND household_id = v_household_id AND month = v_month;
            UPDATE Distribution_Household_Months SET distributions = distributions - 1 WHERE center_id = v_center_id AND category = '*' AND household_id = v_household_id AND month = v_month;
            UPDATE Distribution_Household_Months SET distributions = distributions - 1 WHERE center_id = 0 AND category = v_category AND household_id = v_household_id AND month = v_month;
            UPDATE Distribution_Household_Months SET distributions = distributions - 1 WHERE center_id = 0 AND category = '*' AND household_id = v_household_id AND month = v_month;
            SELECT (SELECT distributions FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = v_category AND household_id = v_household_id AND month = v_month),
               COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = v_category AND household_id = v_household_id AND month < v_month), DATE '1000-01-01'),
               (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = v_category AND household_id = v_household_id AND month > v_month),
               (SELECT distributions FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = '*' AND household_id = v_household_id AND month = v_month),
               COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = '*' AND household_id = v_household_id AND month < v_month), DATE '1000-01-01'),
               (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = '*' AND household_id = v_household_id AND month > v_month),
               (SELECT distributions FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = v_household_id AND month = v_month),
               COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = v_household_id AND month < v_month), DATE '1000-01-01'),
               (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = v_household_id AND month > v_month),
               (SELECT distributions FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = v_household_id AND month = v_month),
               COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = v_household_id AND month < v_month), DATE '1000-01-01'),
               (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = v_household_id AND month > v_month)
          INTO v_n1, v_p1, v_x1, v_n2, v_p2, v_x2, v_n3, v_p3, v_x3, v_n4, v_p4, v_x4;
            IF v_n1 = 0 OR v_n2 = 0 OR v_n3 = 0 OR v_n4 = 0 THEN
                INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households)
    SELECT v_household_id, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT v_center_id AS center_id, v_category AS category, v_month AS month, v_p1 AS previous_month, -1 AS delta, v_n1 = 0 AS wanted
        UNION ALL SELECT v_center_id, v_category, v_x1, v_p1, -(-1), v_n1 = 0 AND v_x1 IS NOT NULL
        UNION ALL SELECT v_center_id, v_category, v_x1, v_month, -1, v_n1 = 0 AND v_x1 IS NOT NULL
        UNION ALL SELECT v_center_id AS center_id, '*' AS category, v_month AS month, v_p2 AS previous_month, -1 AS delta, v_n2 = 0 AS wanted
        UNION ALL SELECT v_center_id, '*', v_x2, v_p2, -(-1), v_n2 = 0 AND v_x2 IS NOT NULL
        UNION ALL SELECT v_center_id, '*', v_x2, v_month, -1, v_n2 = 0 AND v_x2 IS NOT NULL
        UNION ALL SELECT 0 AS center_id, v_category AS category, v_month AS month, v_p3 AS previous_month, -1 AS delta, v_n3 = 0 AS wanted
        UNION ALL SELECT 0, v_category, v_x3, v_p3, -(-1), v_n3 = 0 AND v_x3 IS NOT NULL
        UNION ALL SELECT 0, v_category, v_x3, v_month, -1, v_n3 = 0 AND v_x3 IS NOT NULL
        UNION ALL SELECT 0 AS center_id, '*' AS category, v_month AS month, v_p4 AS previous_month, -1 AS delta, v_n4 = 0 AS wanted
        UNION ALL SELECT 0, '*', v_x4, v_p4, -(-1), v_n4 = 0 AND v_x4 IS NOT NULL
        UNION ALL SELECT 0, '*', v_x4, v_month, -1, v_n4 = 0 AND v_x4 IS NOT NULL
    ) x
     WHERE x.wanted
    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
                DELETE FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = v_category AND household_id = v_household_id AND month = v_month AND distributions = 0;
            DELETE FROM Distribution_Household_Months WHERE center_id = v_center_id AND category = '*' AND household_id = v_household_id AND month = v_month AND distributions = 0;
            DELETE FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = v_household_id AND month = v_month AND distributions = 0;
            DELETE FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = v_household_id AND month = v_month AND distributions = 0;
            END IF;
            UPDATE Distribution_Monthly_Rollup
               SET distributions = distributions - 1, packages = packages - v_quantity
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            DELETE FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id
               AND distributions = 0;
            SELECT status = 'active' INTO v_active
              FROM Households WHERE household_id = v_household_id;
            IF v_active THEN
                INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT v_household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0) AS center_id, 0 AS package_id, DATE '1000-01-01' AS day, -1 AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0), ap.package_id, k.day, -1
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = v_household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0), ap.package_id, DATE '1000-01-01', -1
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = v_household_id AND k.package_id = ap.package_id
    ) x
     WHERE v_household_id IS NOT NULL AND v_active
    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            END IF;
            SELECT (
                SELECT MAX(DATE(d.distribution_date))
                  FROM Distribution_Log d FORCE INDEX (idx_household_package_date)
                 WHERE d.household_id = v_household_id AND d.package_id = v_package_id
                   AND d.transaction_status = 'success'
                   AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)
            ) INTO v_day;
            DELETE FROM Coverage_Last_Package
             WHERE household_id = v_household_id AND package_id = v_package_id;
            IF v_day IS NOT NULL THEN
                INSERT INTO Coverage_Last_Package (household_id, package_id, day)
                VALUES (v_household_id, v_package_id, v_day);
            END IF;
            SELECT (
                SELECT d.log_id
                  FROM Distribution_Log d FORCE INDEX (idx_household_package_date)
                 WHERE d.household_id = v_household_id AND d.transaction_status = 'success'
                   AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)
                 ORDER BY d.distribution_date DESC, d.log_id DESC
                 LIMIT 1
            ) INTO v_last_log;
            DELETE FROM Coverage_Last_Service WHERE household_id = v_household_id;
            IF v_last_log IS NOT NULL THEN
                SELECT center_id, distribution_date INTO v_last_center, v_last_at
                  FROM Distribution_Log WHERE log_id = v_last_log;
                INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
                VALUES (v_household_id, v_last_center, v_last_at, v_last_log);
            END IF;
            IF v_active THEN
                INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT v_household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0) AS center_id, 0 AS package_id, DATE '1000-01-01' AS day, 1 AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0), ap.package_id, k.day, 1
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = v_household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = v_household_id), 0), ap.package_id, DATE '1000-01-01', 1
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = v_household_id AND k.package_id = ap.package_id
    ) x
     WHERE v_household_id IS NOT NULL AND v_active
    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            END IF;
        END IF;
    END IF;
END;
