INSERT INTO Coverage_Last_Package (household_id, package_id, day)
        SELECT dl.household_id, dl.package_id, MAX(DATE(dl.distribution_date))
        
        FROM Distribution_Log dl
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
         GROUP BY dl.household_id, dl.package_id;

INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
        SELECT x.household_id, x.center_id, x.distribution_date, x.log_id
          FROM (
            SELECT dl.household_id, dl.center_id, dl.distribution_date, dl.log_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY dl.household_id
                       ORDER BY dl.distribution_date DESC, dl.log_id DESC
                   ) AS latest
            
        FROM Distribution_Log dl
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
          ) x
         WHERE x.latest = 1;

INSERT INTO Coverage_Counts (day, center_id, package_id, households)
        SELECT DATE '1000-01-01', COALESCE(s.center_id, 0), 0, COUNT(*)
          FROM Households h
          LEFT JOIN Coverage_Last_Service s ON s.household_id = h.household_id
         WHERE h.status = 'active'
         GROUP BY COALESCE(s.center_id, 0);

INSERT INTO Coverage_Counts (day, center_id, package_id, households)
        SELECT DATE '1000-01-01', s.center_id, k.package_id, COUNT(*)
        
        FROM Coverage_Last_Package k
        JOIN Coverage_Last_Service s ON s.household_id = k.household_id
        JOIN Households h ON h.household_id = k.household_id
       WHERE h.status = 'active'
         GROUP BY s.center_id, k.package_id;

INSERT INTO Coverage_Counts (day, center_id, package_id, households)
        SELECT k.day, s.center_id, k.package_id, COUNT(*)
        
        FROM Coverage_Last_Package k
        JOIN Coverage_Last_Service s ON s.household_id = k.household_id
        JOIN Households h ON h.household_id = k.household_id
       WHERE h.status = 'active'
         GROUP BY k.day, s.center_id, k.package_id;
