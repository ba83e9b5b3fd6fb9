CREATE TRIGGER trg_households_coverage_status
AFTER UPDATE ON Households
FOR EACH ROW
BEGIN
    DECLARE v_bulk BOOLEAN DEFAULT FALSE;
    SET v_bulk = @aidtracker_rollup_bulk_load <=> CONNECTION_ID();
    IF (OLD.status = 'active') <> (NEW.status = 'active') AND NOT v_bulk THEN
        INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, households)
    SELECT NEW.household_id, x.day, x.center_id, x.package_id, x.delta FROM (
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0) AS center_id, 0 AS package_id, DATE '1000-01-01' AS day, IF(NEW.status = 'active', 1, -1) AS delta
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, k.day, IF(NEW.status = 'active', 1, -1)
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
        UNION ALL
        SELECT COALESCE((SELECT s.center_id FROM Coverage_Last_Service s WHERE s.household_id = NEW.household_id), 0), ap.package_id, DATE '1000-01-01', IF(NEW.status = 'active', 1, -1)
          FROM Aid_Packages ap STRAIGHT_JOIN Coverage_Last_Package k
            ON k.household_id = NEW.household_id AND k.package_id = ap.package_id
    ) x
     WHERE TRUE
    ON DUPLICATE KEY UPDATE households = households + VALUES(households);
    END IF;
END;
