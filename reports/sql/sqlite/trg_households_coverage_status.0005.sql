CREATE TRIGGER trg_households_coverage_status
AFTER UPDATE OF status ON Households
FOR EACH ROW
WHEN (OLD.status = 'active') <> (NEW.status = 'active') AND NOT EXISTS (SELECT 1 FROM Rollup_Bulk_Load)
BEGIN
    INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT NEW.household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) AS center_id, 0 AS package_id, '1000-01-01' AS day, CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, k.day, CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, '1000-01-01', CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END
          FROM Aid_Packages ap JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
    ) x
     WHERE 1
    ON CONFLICT (household_id, day, center_id, package_id) DO UPDATE SET households = households + excluded.households;
END;
