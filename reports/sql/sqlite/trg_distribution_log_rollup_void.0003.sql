CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
BEGIN
    UPDATE Distribution_Household_Months SET distributions = distributions - 1
     WHERE center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')
       AND month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success');
    UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, hm.month, COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01')
          FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0
     );
    UPDATE Distribution_Monthly_Households SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), hm.month
          FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0
     );
    INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month), COALESCE((SELECT MAX(p.month) FROM Distribution_Household_Months p WHERE p.center_id = hm.center_id AND p.category = hm.category AND p.household_id = hm.household_id AND p.month < hm.month), '1000-01-01'), 1
      FROM Distribution_Household_Months hm WHERE hm.center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND hm.category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*') AND hm.household_id = (SELECT o.household_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.month = (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success') AND hm.distributions = 0 AND (SELECT MIN(n.month) FROM Distribution_Household_Months n WHERE n.center_id = hm.center_id AND n.category = hm.category AND n.household_id = hm.household_id AND n.month > hm.month) IS NOT NULL
    ON CONFLICT (center_id, category, month, previous_month) DO UPDATE SET households = households + 1;
    DELETE FROM Distribution_Monthly_Households
     WHERE households = 0 AND center_id IN ((SELECT o.center_id FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), 0) AND category IN ((SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o ON r.month = date(o.distribution_date, 'start of month') AND r.center_id = o.center_id AND r.package_id = o.package_id WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'), '*')
       AND month >= (SELECT date(o.distribution_date, 'start of month') FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success');
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
END;
