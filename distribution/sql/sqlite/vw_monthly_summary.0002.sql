CREATE VIEW vw_monthly_summary AS
SELECT
    strftime('%Y-%m', dl.distribution_date) || ':' || dl.center_id || ':' || ap.category
        AS summary_key,
    strftime('%Y-%m', dl.distribution_date) AS month,
    dl.center_id,
    dc.center_name,
    ap.category,
    COUNT(dl.log_id) AS total_distributions,
    COUNT(DISTINCT dl.household_id) AS unique_households,
    SUM(dl.quantity_distributed) AS total_packages,
    SUM(ap.estimated_cost * dl.quantity_distributed) AS total_value
FROM Distribution_Log dl
JOIN Distribution_Centers dc ON dl.center_id = dc.center_id
JOIN Aid_Packages ap ON dl.package_id = ap.package_id
WHERE dl.transaction_status = 'success'
  AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
GROUP BY strftime('%Y-%m', dl.distribution_date), dl.center_id, dc.center_name, ap.category;
