CREATE VIEW vw_household_eligibility AS
SELECT
    CONCAT(e.household_id, ':', e.package_id) AS eligibility_key,
    e.household_id,
    e.family_name,
    e.package_id,
    e.package_name,
    e.last_distribution_date,
    DATEDIFF(UTC_DATE(), DATE(e.last_distribution_date)) AS days_since,
    e.validity_period_days,
    CASE
        WHEN e.last_distribution_date IS NULL
          OR DATEDIFF(UTC_DATE(), DATE(e.last_distribution_date)) >= e.validity_period_days
        THEN 'ELIGIBLE'
        ELSE 'NOT_ELIGIBLE'
    END AS eligibility_status,
    DATE_ADD(DATE(e.last_distribution_date), INTERVAL e.validity_period_days DAY)
        AS next_eligible_date
FROM (
    SELECT
        h.household_id,
        h.family_name,
        ap.package_id,
        ap.package_name,
        ap.validity_period_days,
        (
            SELECT MAX(dl.distribution_date)
            FROM Households f
            CROSS JOIN Distribution_Log dl
            WHERE (f.household_id = h.household_id OR f.duplicate_of_id = h.household_id)
              AND dl.household_id = f.household_id
              AND dl.package_id = ap.package_id
              AND dl.transaction_status = 'success'
              AND NOT EXISTS (
                  SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id
              )
        ) AS last_distribution_date
    FROM Households h
    CROSS JOIN Aid_Packages ap
    WHERE h.status = 'active' AND ap.is_active = 1
) e;
