CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month, v_day, v_last, v_new_day DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_active, v_served, v_newer BOOLEAN DEFAULT FALSE;
    DECLARE v_from, v_to INT DEFAULT 0;
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    DECLARE v_n1, v_n2, v_n3, v_n4 INT;
    DECLARE v_p1, v_p2, v_p3, v_p4, v_x1, v_x2, v_x3, v_x4 DATE;
    SET v_bulk = @aidtracker_rollup_bulk_load <=> CONNECTION_ID();
    IF NEW.transaction_status = 'success' AND NOT v_bulk THEN
        SET v_month = CAST(DATE_FORMAT(NEW.distribution_date, '%Y-%m-01') AS DATE);
        SET v_day = DATE(NEW.distribution_date);
        SELECT r.category, h.status = 'active', s.household_id IS NOT NULL,
               COALESCE(s.center_id, 0),
               s.household_id IS NULL OR s.served_at < NEW.distribution_date
               OR (s.served_at = NEW.distribution_date AND s.log_id < NEW.log_id),
               k.day
          INTO v_category, v_active, v_served, v_from, v_newer, v_last
          FROM Households h
          LEFT JOIN Distribution_Monthly_Rollup r
            ON r.month = v_month AND r.center_id = NEW.center_id
           AND r.package_id = NEW.package_id
          LEFT JOIN Coverage_Last_Service s ON s.household_id = h.household_id
          LEFT JOIN Coverage_Last_Package k
            ON k.household_id = h.household_id AND k.package_id = NEW.package_id
         WHERE h.household_id = NEW.household_id;
        IF v_category IS NULL THEN
            SELECT category INTO v_category FROM Aid_Packages WHERE package_id = NEW.package_id;
        END IF;
        IF v_served THEN
            SELECT (SELECT distributions FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = v_category AND household_id = NEW.household_id AND month = v_month), (SELECT distributions FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = '*' AND household_id = NEW.household_id AND month = v_month), (SELECT distributions FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = NEW.household_id AND month = v_month), (SELECT distributions FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = NEW.household_id AND month = v_month)
              INTO v_n1, v_n2, v_n3, v_n4;
        END IF;
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        VALUES (v_month, NEW.center_id, NEW.package_id, v_category, 1, NEW.quantity_distributed)
        ON DUPLICATE KEY UPDATE
            distributions = distributions + 1,
            packages = packages + NEW.quantity_distributed;
        INSERT INTO Distribution_Household_Months (center_id, category, household_id, month, distributions)
        VALUES
            (NEW.center_id, v_category, NEW.household_id, v_month, 1),
            (NEW.center_id, '*', NEW.household_id, v_month, 1),
            (0, v_category, NEW.household_id, v_month, 1),
            (0, '*', NEW.household_id, v_month, 1)
        ON DUPLICATE KEY UPDATE distributions = distributions + 1;
        IF v_n1 IS NULL OR v_n2 IS NULL OR v_n3 IS NULL OR v_n4 IS NULL THEN
            IF v_served THEN
                SELECT CASE WHEN v_n1 IS NULL THEN COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = v_category AND household_id = NEW.household_id AND month < v_month), DATE '1000-01-01') END, CASE WHEN v_n2 IS NULL THEN COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = '*' AND household_id = NEW.household_id AND month < v_month), DATE '1000-01-01') END, CASE WHEN v_n3 IS NULL THEN COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = NEW.household_id AND month < v_month), DATE '1000-01-01') END, CASE WHEN v_n4 IS NULL THEN COALESCE((SELECT MAX(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = NEW.household_id AND month < v_month), DATE '1000-01-01') END,
                       (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = '*' AND household_id = NEW.household_id AND month > v_month)
                  INTO v_p1, v_p2, v_p3, v_p4, v_x4;
            ELSE
                SET v_p1 = DATE '1000-01-01', v_p2 = DATE '1000-01-01',
                    v_p3 = DATE '1000-01-01', v_p4 = DATE '1000-01-01';
            END IF;
            IF v_x4 IS NULL AND v_n1 IS NULL AND v_n2 IS NULL AND v_n3 IS NULL AND v_n4 IS NULL THEN
                INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households) VALUES
                (NEW.household_id, NEW.center_id, v_category, v_month, v_p1, 1),
                (NEW.household_id, NEW.center_id, '*', v_month, v_p2, 1),
                (NEW.household_id, 0, v_category, v_month, v_p3, 1),
                (NEW.household_id, 0, '*', v_month, v_p4, 1)
            ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            ELSEIF v_x4 IS NULL THEN
                IF v_n1 IS NULL THEN INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households) VALUES (NEW.household_id, NEW.center_id, v_category, v_month, v_p1, 1) ON DUPLICATE KEY UPDATE households = households + 1; END IF;
                IF v_n2 IS NULL THEN INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households) VALUES (NEW.household_id, NEW.center_id, '*', v_month, v_p2, 1) ON DUPLICATE KEY UPDATE households = households + 1; END IF;
                IF v_n3 IS NULL THEN INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households) VALUES (NEW.household_id, 0, v_category, v_month, v_p3, 1) ON DUPLICATE KEY UPDATE households = households + 1; END IF;
                IF v_n4 IS NULL THEN INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households) VALUES (NEW.household_id, 0, '*', v_month, v_p4, 1) ON DUPLICATE KEY UPDATE households = households + 1; END IF;
            ELSE
                IF v_x4 IS NOT NULL THEN
                    SELECT (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = v_category AND household_id = NEW.household_id AND month > v_month), (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = NEW.center_id AND category = '*' AND household_id = NEW.household_id AND month > v_month), (SELECT MIN(month) FROM Distribution_Household_Months WHERE center_id = 0 AND category = v_category AND household_id = NEW.household_id AND month > v_month) INTO v_x1, v_x2, v_x3;
                END IF;
                INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households)
    SELECT NEW.household_id, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT NEW.center_id AS center_id, v_category AS category, v_month AS month, v_p1 AS previous_month, 1 AS delta, v_n1 IS NULL AS wanted
        UNION ALL SELECT NEW.center_id, v_category, v_x1, v_p1, -(1), v_n1 IS NULL AND v_x1 IS NOT NULL
        UNION ALL SELECT NEW.center_id, v_category, v_x1, v_month, 1, v_n1 IS NULL AND v_x1 IS NOT NULL
        UNION ALL SELECT NEW.center_id AS center_id, '*' AS category, v_month AS month, v_p2 AS previous_month, 1 AS delta, v_n2 IS NULL AS wanted
        UNION ALL SELECT NEW.center_id, '*', v_x2, v_p2, -(1), v_n2 IS NULL AND v_x2 IS NOT NULL
        UNION ALL SELECT NEW.center_id, '*', v_x2, v_month, 1, v_n2 IS NULL AND v_x2 IS NOT NULL
        UNION ALL SELECT 0 AS center_id, v_category AS category, v_month AS month, v_p3 AS previous_month, 1 AS delta, v_n3 IS NULL AS wanted
        UNION ALL SELECT 0, v_category, v_x3, v_p3, -(1), v_n3 IS NULL AND v_x3 IS NOT NULL
        UNION ALL SELECT 0, v_category, v_x3, v_month, 1, v_n3 IS NULL AND v_x3 IS NOT NULL
        UNION ALL SELECT 0 AS center_id, '*' AS category, v_month AS month, v_p4 AS previous_month, 1 AS delta, v_n4 IS NULL AS wanted
        UNION ALL SELECT 0, '*', v_x4, v_p4, -(1), v_n4 IS NULL AND v_x4 IS NOT NULL
        UNION ALL SELECT 0, '*', v_x4, v_month, 1, v_n4 IS NULL AND v_x4 IS NOT NULL
    ) x
     WHERE x.wanted
    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            END IF;
        END IF;
        SET v_to = IF(v_newer, NEW.center_id, v_from);
        SET v_new_day = GREATEST(COALESCE(v_last, v_day), v_day);
        IF v_active THEN
            IF NOT v_served THEN
                INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households) VALUES
                (NEW.household_id, DATE '1000-01-01', 0, 0, -1),
                (NEW.household_id, DATE '1000-01-01', NEW.center_id, 0, 1),
                (NEW.household_id, DATE '1000-01-01', NEW.center_id, NEW.package_id, 1),
                (NEW.household_id, v_day, NEW.center_id, NEW.package_id, 1)
            ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            ELSE
                IF v_to <> v_from THEN
                    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
                    SELECT NEW.household_id, IF(x.ever, DATE '1000-01-01', k.day), x.center_id,
                           ap.package_id, x.delta
                      FROM Aid_Packages ap
                      STRAIGHT_JOIN Coverage_Last_Package k
                        ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
                      STRAIGHT_JOIN (
                            SELECT v_from AS center_id, -1 AS delta, 0 AS ever
                            UNION ALL SELECT v_from, -1, 1
                            UNION ALL SELECT v_to, 1, 0
                            UNION ALL SELECT v_to, 1, 1
                      ) x ON TRUE
                    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
                    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households) VALUES
                (NEW.household_id, DATE '1000-01-01', v_from, 0, -1),
                (NEW.household_id, DATE '1000-01-01', v_to, 0, 1)
            ON DUPLICATE KEY UPDATE households = households + VALUES(households);
                END IF;
                IF v_last IS NULL THEN
                INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households) VALUES
                (NEW.household_id, DATE '1000-01-01', v_to, NEW.package_id, 1),
                (NEW.household_id, v_new_day, v_to, NEW.package_id, 1)
            ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            ELSEIF v_last <> v_new_day THEN
                INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households) VALUES
                (NEW.household_id, v_last, v_to, NEW.package_id, -1),
                (NEW.household_id, v_new_day, v_to, NEW.package_id, 1)
            ON DUPLICATE KEY UPDATE households = households + VALUES(households);
            END IF;
            END IF;
        END IF;
        IF v_last IS NULL OR v_last < v_day THEN
            INSERT INTO Coverage_Last_Package (household_id, package_id, day)
            VALUES (NEW.household_id, NEW.package_id, v_day)
            ON DUPLICATE KEY UPDATE day = GREATEST(day, VALUES(day));
        END IF;
        IF v_newer THEN
            INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
            VALUES (NEW.household_id, NEW.center_id, NEW.distribution_date, NEW.log_id)
            ON DUPLICATE KEY UPDATE
                center_id = VALUES(center_id),
                served_at = VALUES(served_at),
                log_id = VALUES(log_id);
        END IF;
    END IF;
END;
