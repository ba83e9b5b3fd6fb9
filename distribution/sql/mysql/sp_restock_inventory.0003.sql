CREATE PROCEDURE sp_restock_inventory(
    IN p_center_id INT,
    IN p_package_id INT,
    IN p_quantity INT
)
MODIFIES SQL DATA
COMMENT 'Add delivered units to one inventory row, creating it on the first restock (a race-free upsert), and log the restock movement in the same transaction. A quantity outside 1 to 1000000 or an unknown center or package raises SQLSTATE 45000 and writes nothing. Commits its own transaction: call it outside one.'
BEGIN
    DECLARE v_inventory_id INT DEFAULT NULL;
    DECLARE v_on_hand INT DEFAULT NULL;
    DECLARE v_now DATETIME(6);
    DECLARE v_error VARCHAR(128) DEFAULT NULL;
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
    INSERT INTO Stock_Movements (
        inventory_id, kind, reason, quantity_change, quantity_after, staff_id, notes,
        created_at
    ) VALUES (
        v_inventory_id, 'restock', 'delivery', p_quantity, v_on_hand, NULL, NULL, v_now
    );
    COMMIT;
END;
