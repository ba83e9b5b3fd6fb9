CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM Rollup_Bulk_Load)
BEGIN
    UPDATE Distribution_Household_Months SET distributions = distributions - 1
     WHERE center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')
       AND month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success');
    INSERT INTO Distribution_Monthly_Households_Pending (household_id, center_id, category, month, previous_month, households)
    SELECT (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), x.center_id, x.category, x.month, x.previous_month, x.delta FROM (
        SELECT hm.center_id AS center_id, hm.category AS category, hm.month AS month,
               COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01') AS previous_month, -1 AS delta
          FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0
        UNION ALL
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month, -1
          FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0
        UNION ALL
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01'), 1
          FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0
    ) x
     WHERE x.month IS NOT NULL
    ON CONFLICT (household_id, center_id, category, month, previous_month) DO UPDATE SET households = households + excluded.households;
    DELETE FROM Distribution_Household_Months WHERE center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND distributions = 0;
    UPDATE Distribution_Monthly_Rollup
       SET distributions = distributions - 1,
           packages = packages - (SELECT o.quantity_distributed FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')
     WHERE (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'
     );
    DELETE FROM Distribution_Monthly_Rollup
     WHERE distributions = 0
       AND (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'
     );
    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0) AS center_id, 0 AS package_id, '1000-01-01' AS day, -1 AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0), ap.package_id, k.day, -1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0), ap.package_id, '1000-01-01', -1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND k.package_id = ap.package_id
    ) x
     WHERE (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') IS NOT NULL AND COALESCE((SELECT h.status FROM Households h WHERE h.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')) = 'active', 0)
    ON CONFLICT (household_id, day, center_id, package_id) DO UPDATE SET households = households + excluded.households;
    DELETE FROM Coverage_Last_Package WHERE household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND package_id = (SELECT o.package_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success');
    INSERT INTO Coverage_Last_Package (household_id, package_id, day)
    SELECT d.household_id, d.package_id, MAX(date(d.distribution_date))
      FROM Distribution_Log d WHERE d.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND d.transaction_status = 'success' AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id) AND d.package_id = (SELECT o.package_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')
     GROUP BY d.household_id, d.package_id;
    DELETE FROM Coverage_Last_Service WHERE household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success');
    INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
    SELECT d.household_id, d.center_id, d.distribution_date, d.log_id
      FROM Distribution_Log d WHERE d.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND d.transaction_status = 'success' AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id)
     ORDER BY d.distribution_date DESC, d.log_id DESC
     LIMIT 1;
    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0) AS center_id, 0 AS package_id, '1000-01-01' AS day, 1 AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0), ap.package_id, k.day, 1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')), 0), ap.package_id, '1000-01-01', 1
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND k.package_id = ap.package_id
    ) x
     WHERE (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') IS NOT NULL AND COALESCE((SELECT h.status FROM Households h WHERE h.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')) = 'active', 0)
    ON CONFLICT (household_id, day, center_id, package_id) DO UPDATE SET households = households + excluded.households;
END;
