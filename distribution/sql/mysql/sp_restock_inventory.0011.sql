CREATE PROCEDURE sp_restock_inventory(
    IN p_center_id INT,
    IN p_package_id INT,
    IN p_quantity INT
)
MODIFIES SQL DATA
COMMENT 'Add delivered units to one inventory row, creating it on the first restock (a race-free upsert), and to its lot without code and expiry date, and log the restock movement in the same transaction. A quantity outside 1 to 1000000, an unknown center or package, or a perishable package (whose units need an expiry date: restock it with inventory.services.restock) raises SQLSTATE 45000 and writes nothing. Commits its own transaction: call it outside one.'
BEGIN
    DECLARE v_inventory_id INT DEFAULT NULL;
    DECLARE v_on_hand INT DEFAULT NULL;
    DECLARE v_lot_id INT DEFAULT NULL;
    DECLARE v_now DATETIME(6);
    DECLARE v_error VARCHAR(160) DEFAULT NULL;
    -- A read that finds no row leaves its variables NULL.
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    IF p_quantity IS NULL OR p_quantity < 1 OR p_quantity > 1000000 THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'Restock quantity must be a whole number from 1 to 1,000,000.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM Distribution_Centers WHERE center_id = p_center_id) THEN
        SET v_error = CONCAT('sp_restock_inventory: center ', COALESCE(p_center_id, 'NULL'),
                             ' does not exist');
    ELSEIF NOT EXISTS (SELECT 1 FROM Aid_Packages WHERE package_id = p_package_id) THEN
        SET v_error = CONCAT('sp_restock_inventory: package ', COALESCE(p_package_id, 'NULL'),
                             ' does not exist');
    ELSEIF EXISTS (SELECT 1 FROM Aid_Packages WHERE package_id = p_package_id AND is_perishable) THEN
        SET v_error = CONCAT('sp_restock_inventory: package ', p_package_id,
                             ' is perishable; restock it with an expiry date in the portal');
    END IF;
    IF v_error IS NOT NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_error;
    END IF;

    SET v_now = UTC_TIMESTAMP(6);
    START TRANSACTION;
    -- One statement decides who inserts: the unique (center_id, package_id) key
    -- turns a second first restock into an update (design fix 2).
    INSERT INTO Inventory (
        center_id, package_id, quantity_on_hand, last_restock_date,
        last_restock_quantity, created_at, updated_at
    ) VALUES (
        p_center_id, p_package_id, p_quantity, DATE(v_now), p_quantity, v_now, v_now
    )
    ON DUPLICATE KEY UPDATE
        quantity_on_hand = quantity_on_hand + p_quantity,
        last_restock_date = DATE(v_now),
        last_restock_quantity = p_quantity,
        updated_at = v_now;
    -- The upsert holds the row lock: this is the quantity right after our change.
    SELECT inventory_id, quantity_on_hand INTO v_inventory_id, v_on_hand
      FROM Inventory WHERE center_id = p_center_id AND package_id = p_package_id
      FOR UPDATE;
    -- The units join the row's lot without code and expiry (inventory.lots.add_to_lot),
    -- written under the inventory row's lock as every lot is.
    SELECT lot_id INTO v_lot_id
      FROM Stock_Lots
     WHERE inventory_id = v_inventory_id AND lot_code IS NULL AND expiry_date IS NULL
     ORDER BY lot_id
     LIMIT 1
       FOR UPDATE;
    IF v_lot_id IS NULL THEN
        INSERT INTO Stock_Lots (inventory_id, lot_code, expiry_date, quantity, received_at)
        VALUES (v_inventory_id, NULL, NULL, p_quantity, v_now);
        SET v_lot_id = LAST_INSERT_ID();
    ELSE
        UPDATE Stock_Lots SET quantity = quantity + p_quantity WHERE lot_id = v_lot_id;
    END IF;
    INSERT INTO Stock_Movements (
        inventory_id, kind, reason, quantity_change, quantity_after, staff_id, notes,
        created_at, lot_id
    ) VALUES (
        v_inventory_id, 'restock', 'delivery', p_quantity, v_on_hand, NULL, NULL, v_now,
        v_lot_id
    );
    COMMIT;
END;
