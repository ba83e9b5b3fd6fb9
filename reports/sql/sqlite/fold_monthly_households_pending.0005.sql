INSERT INTO Distribution_Monthly_Households (center_id, category, month, previous_month, households)
    SELECT center_id, category, month, previous_month, SUM(households)
      FROM Distribution_Monthly_Households_Pending WHERE 1 GROUP BY center_id, category, month, previous_month
    ON CONFLICT (center_id, category, month, previous_month)
    DO UPDATE SET households = households + excluded.households;

DELETE FROM Distribution_Monthly_Households_Pending;

DELETE FROM Distribution_Monthly_Households WHERE households = 0;
