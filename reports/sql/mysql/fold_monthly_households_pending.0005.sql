INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT p.center_id, p.category, p.month, p.previous_month, SUM(p.households)
      FROM Distribution_Monthly_Households_Pending p GROUP BY p.center_id, p.category, p.month, p.previous_month
    ON DUPLICATE KEY UPDATE Distribution_Monthly_Households.households = Distribution_Monthly_Households.households + VALUES(households);

DELETE FROM Distribution_Monthly_Households_Pending;

DELETE FROM Distribution_Monthly_Households WHERE households = 0;
