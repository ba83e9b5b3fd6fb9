INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        SELECT CAST(DATE_FORMAT(dl.distribution_date, '%Y-%m-01') AS DATE), dl.center_id, dl.package_id, ap.category,
               COUNT(*), SUM(dl.quantity_distributed)
        
        FROM Distribution_Log dl
        JOIN Aid_Packages ap ON ap.package_id = dl.package_id
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
         GROUP BY CAST(DATE_FORMAT(dl.distribution_date, '%Y-%m-01') AS DATE), dl.center_id, dl.package_id, ap.category;

INSERT INTO Distribution_Household_Months (center_id, category, household_id, month, distributions)
        SELECT dl.center_id, ap.category, dl.household_id, CAST(DATE_FORMAT(dl.distribution_date, '%Y-%m-01') AS DATE), COUNT(*)
        
        FROM Distribution_Log dl
        JOIN Aid_Packages ap ON ap.package_id = dl.package_id
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
         GROUP BY dl.center_id, ap.category, dl.household_id, CAST(DATE_FORMAT(dl.distribution_date, '%Y-%m-01') AS DATE);

INSERT INTO Distribution_Household_Months (center_id, category, household_id, month, distributions)
        SELECT s.center_id, s.category, s.household_id, s.month, SUM(s.distributions)
          FROM (
            SELECT center_id, '*' AS category, household_id, month, distributions
              FROM Distribution_Household_Months WHERE center_id <> 0 AND category <> '*'
            UNION ALL
            SELECT 0, category, household_id, month, distributions
              FROM Distribution_Household_Months WHERE center_id <> 0 AND category <> '*'
            UNION ALL
            SELECT 0, '*', household_id, month, distributions
              FROM Distribution_Household_Months WHERE center_id <> 0 AND category <> '*'
          ) s
         GROUP BY s.center_id, s.category, s.household_id, s.month;

INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
        SELECT s.center_id, s.category, s.month, s.previous_month, COUNT(*)
          FROM (
            SELECT center_id, category, month,
                   COALESCE(
                       LAG(month) OVER (
                           PARTITION BY center_id, category, household_id ORDER BY month
                       ),
                       DATE '1000-01-01'
                   ) AS previous_month
              FROM Distribution_Household_Months
          ) s
         GROUP BY s.center_id, s.category, s.month, s.previous_month;
