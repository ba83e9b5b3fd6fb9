CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'success'
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
    INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, hm.month, COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01'), 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1
    ON CONFLICT (center_id, category, month, previous_month) DO UPDATE SET households = households + 1;
    UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01')
          FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1
     );
    INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month, 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN (NEW.center_id, 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND hm.household_id = NEW.household_id AND hm.month = date(NEW.distribution_date, 'start of month') AND hm.distributions = 1 AND (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month) IS NOT NULL
    ON CONFLICT (center_id, category, month, previous_month) DO UPDATE SET households = households + 1;
    DELETE FROM Distribution_Monthly_Households
     WHERE households = 0 AND center_id IN (NEW.center_id, 0)
       AND category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r WHERE r.month = date(NEW.distribution_date, 'start of month') AND r.center_id = NEW.center_id AND r.package_id = NEW.package_id), '*') AND month > date(NEW.distribution_date, 'start of month');
END;
