CREATE VIEW vw_current_inventory_status AS
SELECT
    i.inventory_id,
    i.center_id,
    dc.center_name,
    i.package_id,
    ap.package_name,
    i.quantity_on_hand,
    i.reorder_level,
    CASE
        WHEN i.quantity_on_hand = 0 THEN 'OUT_OF_STOCK'
        WHEN i.quantity_on_hand <= i.reorder_level THEN 'LOW_STOCK'
        ELSE 'IN_STOCK'
    END AS stock_status
FROM Inventory i
JOIN Distribution_Centers dc ON i.center_id = dc.center_id
JOIN Aid_Packages ap ON i.package_id = ap.package_id
WHERE dc.status = 'active' AND ap.is_active = 1;
