"""Install the append-only triggers on Distribution_Log and the two views over it.

Design fix 1 is fixed here: eligibility counts only successful, not-voided
distributions, and lists every active package for every active household (a
package never received is ELIGIBLE). Eligibility days are UTC calendar days, the
same rule the distribution service applies. MySQL DDL is not transactional, so
these objects live in a migration of their own; the SQL text is frozen here.
"""

from django.db import migrations

from core.db.migrations import VendorRunSQL, drop_if_exists

MYSQL_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
BEGIN
    IF NOT (
        OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
        AND NEW.log_id <=> OLD.log_id
        AND NEW.household_id <=> OLD.household_id
        AND NEW.package_id <=> OLD.package_id
        AND NEW.center_id <=> OLD.center_id
        AND NEW.quantity_distributed <=> OLD.quantity_distributed
        AND NEW.distribution_date <=> OLD.distribution_date
        AND NEW.transaction_status <=> OLD.transaction_status
        AND NEW.failure_reason <=> OLD.failure_reason
        AND NEW.failure_code <=> OLD.failure_code
        AND NEW.notes <=> OLD.notes
        AND NEW.voided_log_id <=> OLD.voided_log_id
    ) THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be updated';
    END IF;
END
"""

MYSQL_NO_DELETE = """
CREATE TRIGGER trg_distribution_log_no_delete
BEFORE DELETE ON Distribution_Log
FOR EACH ROW
SIGNAL SQLSTATE '45000'
    SET MESSAGE_TEXT = 'Distribution_Log is append-only: rows cannot be deleted'
"""

SQLITE_NO_UPDATE = """
CREATE TRIGGER trg_distribution_log_no_update
BEFORE UPDATE ON Distribution_Log
FOR EACH ROW
WHEN NOT (
    OLD.staff_id IS NOT NULL AND NEW.staff_id IS NULL
    AND NEW.log_id IS OLD.log_id
    AND NEW.household_id IS OLD.household_id
    AND NEW.package_id IS OLD.package_id
    AND NEW.center_id IS OLD.center_id
    AND NEW.quantity_distributed IS OLD.quantity_distributed
    AND NEW.distribution_date IS OLD.distribution_date
    AND NEW.transaction_status IS OLD.transaction_status
    AND NEW.failure_reason IS OLD.failure_reason
    AND NEW.failure_code IS OLD.failure_code
    AND NEW.notes IS OLD.notes
    AND NEW.voided_log_id IS OLD.voided_log_id
)
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be updated');
END
"""

SQLITE_NO_DELETE = """
CREATE TRIGGER trg_distribution_log_no_delete
BEFORE DELETE ON Distribution_Log
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'Distribution_Log is append-only: rows cannot be deleted');
END
"""

MYSQL_HOUSEHOLD_ELIGIBILITY = """
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
            FROM Distribution_Log dl
            WHERE dl.household_id = h.household_id
              AND dl.package_id = ap.package_id
              AND dl.transaction_status = 'success'
              AND NOT EXISTS (
                  SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id
              )
        ) AS last_distribution_date
    FROM Households h
    CROSS JOIN Aid_Packages ap
    WHERE h.status = 'active' AND ap.is_active = 1
) e
"""

SQLITE_HOUSEHOLD_ELIGIBILITY = """
CREATE VIEW vw_household_eligibility AS
SELECT
    e.household_id || ':' || e.package_id AS eligibility_key,
    e.household_id,
    e.family_name,
    e.package_id,
    e.package_name,
    e.last_distribution_date,
    CAST(julianday(date('now')) - julianday(date(e.last_distribution_date)) AS INTEGER)
        AS days_since,
    e.validity_period_days,
    CASE
        WHEN e.last_distribution_date IS NULL
          OR julianday(date('now')) - julianday(date(e.last_distribution_date))
             >= e.validity_period_days
        THEN 'ELIGIBLE'
        ELSE 'NOT_ELIGIBLE'
    END AS eligibility_status,
    date(e.last_distribution_date, '+' || e.validity_period_days || ' days')
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
            FROM Distribution_Log dl
            WHERE dl.household_id = h.household_id
              AND dl.package_id = ap.package_id
              AND dl.transaction_status = 'success'
              AND NOT EXISTS (
                  SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id
              )
        ) AS last_distribution_date
    FROM Households h
    CROSS JOIN Aid_Packages ap
    WHERE h.status = 'active' AND ap.is_active = 1
) e
"""

MYSQL_MONTHLY_SUMMARY = """
CREATE VIEW vw_monthly_summary AS
SELECT
    CONCAT(DATE_FORMAT(dl.distribution_date, '%Y-%m'), ':', dl.center_id, ':', ap.category)
        AS summary_key,
    DATE_FORMAT(dl.distribution_date, '%Y-%m') AS month,
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
GROUP BY DATE_FORMAT(dl.distribution_date, '%Y-%m'), dl.center_id, dc.center_name, ap.category
"""

SQLITE_MONTHLY_SUMMARY = """
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
GROUP BY strftime('%Y-%m', dl.distribution_date), dl.center_id, dc.center_name, ap.category
"""


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_initial"),
        ("households", "0001_initial"),
        ("inventory", "0002_database_objects"),
        ("centers", "0001_initial"),
    ]

    operations = [
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_UPDATE], "sqlite": [SQLITE_NO_UPDATE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_no_update"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_NO_DELETE], "sqlite": [SQLITE_NO_DELETE]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_no_delete"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_HOUSEHOLD_ELIGIBILITY], "sqlite": [SQLITE_HOUSEHOLD_ELIGIBILITY]},
            reverse_sql=drop_if_exists("VIEW", "vw_household_eligibility"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_MONTHLY_SUMMARY], "sqlite": [SQLITE_MONTHLY_SUMMARY]},
            reverse_sql=drop_if_exists("VIEW", "vw_monthly_summary"),
        ),
    ]
