CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'success' AND NOT EXISTS (SELECT 1 FROM Rollup_Bulk_Load)
BEGIN
    INSERT INTO Distribution_Monthly_Rollup
        (month, center_id, package_id, category, distributions, packages)
    SELECT date(NEW.distribution_date, 'start of month'), NEW.center_id, NEW.package_id, ap.category, 1,
           NEW.quantity_distributed
      FROM Aid_Packages ap
     WHERE ap.package_id = NEW.package_id
    ON CONFLICT (month, center_id, package_id) DO UPDATE SET
        distributions = distributions + 1,
        packages = packages + excluded.packages;
    INSERT INTO Distribution_Household_Months (center_id, category, household_id, month, distributions)
    SELECT CASE WHEN c.all_centers = 1 THEN 0 ELSE r.center_id END,
           CASE WHEN k.all_categories = 1 THEN '*' ELSE r.category END,
           NEW.household_id, r.month, 1
      FROM Distribution_Monthly_Rollup r
     CROSS JOIN (SELECT 0 AS all_centers UNION ALL SELECT 1) c
     CROSS JOIN (SELECT 0 AS all_categories UNION ALL SELECT 1) k
     WHERE r.month = date(NEW.distribution_date, 'start of month')
       AND r.center_id = NEW.center_id
       AND r.package_id = NEW.package_id
    ON CONFLICT (center_id, category, household_id, month) DO UPDATE SET
        distributions = distributions + 1;
    INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households)
    SELECT NEW.household_id, x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT hm.center_id AS center_id, hm.category AS category, hm.month AS month,
               COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01') AS previous_month, 1 AS delta
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1
        UNION ALL
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01'), -1
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1
        UNION ALL
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month, 1
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1
    ) x
     WHERE x.month IS NOT NULL
    ON CONFLICT (household_id, center_id, category, month, previous_month) DO UPDATE SET households = households + excluded.households;
    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT NEW.household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) AS center_id, 0 AS package_id, '1000-01-01' AS day, -1 AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, k.day, -1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, '1000-01-01', -1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END) AS center_id, 0 AS package_id, '1000-01-01' AS day, 1 AS delta
        UNION ALL
        SELECT (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END), ap.package_id, k.day, 1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END), ap.package_id, '1000-01-01', 1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
    ) x
     WHERE COALESCE((SELECT h.status FROM Households h WHERE h.household_id = NEW.household_id) = 'active', 0) AND (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END) <> COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0)
    ON CONFLICT (household_id, day, center_id, package_id) DO UPDATE SET households = households + excluded.households;
    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT NEW.household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END) AS center_id, NEW.package_id AS package_id, COALESCE((SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id), '1000-01-01') AS day,
               CASE WHEN (SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id) IS NULL THEN 1 ELSE -1 END AS delta
        UNION ALL
        SELECT (CASE WHEN NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id))) THEN NEW.center_id ELSE COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) END), NEW.package_id, max(COALESCE((SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id), date(NEW.distribution_date)), date(NEW.distribution_date)), 1
    ) x
     WHERE COALESCE((SELECT h.status FROM Households h WHERE h.household_id = NEW.household_id) = 'active', 0) AND ((SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id) IS NULL OR (SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id) <> max(COALESCE((SELECT lp.day FROM Coverage_Last_Package lp WHERE lp.household_id = NEW.household_id AND lp.package_id = NEW.package_id), date(NEW.distribution_date)), date(NEW.distribution_date)))
    ON CONFLICT (household_id, day, center_id, package_id) DO UPDATE SET households = households + excluded.households;
    INSERT INTO Coverage_Last_Package (household_id, package_id, day)
    VALUES (NEW.household_id, NEW.package_id, date(NEW.distribution_date))
    ON CONFLICT (household_id, package_id) DO UPDATE SET day = max(day, excluded.day);
    INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
    SELECT NEW.household_id, NEW.center_id, NEW.distribution_date, NEW.log_id
     WHERE NOT EXISTS (SELECT 1 FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id AND (s.served_at > NEW.distribution_date OR (s.served_at = NEW.distribution_date AND s.log_id > NEW.log_id)))
    ON CONFLICT (household_id) DO UPDATE SET
        center_id = excluded.center_id,
        served_at = excluded.served_at,
        log_id = excluded.log_id;
END;
