CREATE PROCEDURE sp_distribute_package(
    IN p_household_id INT,
    IN p_package_id INT,
    IN p_center_id INT,
    IN p_staff_id INT,
    IN p_quantity INT,
    OUT p_log_id INT,
    OUT p_status VARCHAR(20),
    OUT p_reason VARCHAR(255)
)
MODIFIES SQL DATA
COMMENT 'Record one distribution attempt; same rules, codes and messages as distribution.services.distribute_package, owed items, confirmed duplicates and lots included: units leave the unexpired lots first to expire first, and each lot taken is recorded in Distribution_Lot_Takes. The audit row keeps the staff member as named then (staff_name, staff_role). On a Galera cluster it writes the household''s Cluster_Locks row, so two nodes cannot both serve it. Returns p_status success or a refusal code with its message in p_reason; p_log_id is the committed success or failed row. Unknown household, package, center or staff ids are not refusals: they raise SQLSTATE 45000 and write nothing. Commits its own transaction: call it outside one.'
proc: BEGIN
    -- Contract (docs/ARCHITECTURE.md, "The distribution contract"):
    -- * p_status = 'success' (p_reason NULL) or one of the refusal codes, checked in
    --   this order: invalid_quantity, household_inactive, package_inactive,
    --   center_inactive, staff_not_allowed, not_eligible, no_inventory,
    --   insufficient_stock. p_reason is the exact FAILURE_MESSAGES text.
    -- * Every attempt leaves one committed audit row, returned in p_log_id.
    -- * Confirmed duplicates (statements.blocking_success): the served successes of
    --   the household and of every household whose duplicate_of is it block it. A
    --   confirmed duplicate is inactive, so it is refused before that check.
    -- * Owed items (statements.open_owed): a household blocked by a served success
    --   may still receive the package, up to what its open owed item still owes;
    --   the success row then points at that item (owed_item_id). Open: expires_at
    --   after now, its creating row not voided, and quantity_owed minus the served
    --   successes under it above 0. Only the not_eligible decision changes.
    -- * Lots (inventory.lots): expired units are on hand but never handed out. The
    --   units leave the inventory row's unexpired lots, the first to expire first
    --   and lots without an expiry date last, read and written under the inventory
    --   row's lock; each lot taken is a Distribution_Lot_Takes row of the success,
    --   so a void puts the units back. Fewer unexpired units than p_quantity is
    --   insufficient_stock, as an empty row is.
    -- * A NULL p_staff_id is a refusal (staff_not_allowed, logged with no staff),
    --   as the service does for staff=None.
    -- * Every audit row keeps the staff member as named now (staff_name, staff_role:
    --   audit.services.actor_snapshot), so a later rename does not rewrite it.
    -- * On a Galera cluster (@@wsrep_on) the household's row lock holds on this node
    --   only: the household's Cluster_Locks row is written under it too, as
    --   core.db.galera.certify does, so of two nodes serving the household at once
    --   the second to commit fails certification (error 1213, retried by the caller)
    --   and its retry sees the first one's success. One server skips the write.
    -- * An id that names no row (household, package, center, or a non-NULL staff)
    --   is a caller error, not a refusal: the audit row could not reference it.
    --   It raises SQLSTATE 45000 naming the id, before anything is written, and
    --   the OUT parameters are left unassigned.
    -- * Any SQL error rolls back everything this call did and is re-raised.
    --   Deadlocks and lock wait timeouts are re-raised too (the service retries
    --   them and logs code busy; callers of the procedure retry themselves).
    DECLARE v_household_id INT DEFAULT NULL;
    DECLARE v_household_status VARCHAR(9) DEFAULT NULL;
    DECLARE v_package_id INT DEFAULT NULL;
    DECLARE v_package_active BOOLEAN DEFAULT NULL;
    DECLARE v_validity_days INT DEFAULT NULL;
    DECLARE v_center_id INT DEFAULT NULL;
    DECLARE v_center_status VARCHAR(11) DEFAULT NULL;
    DECLARE v_staff_id INT DEFAULT NULL;
    DECLARE v_staff_status VARCHAR(8) DEFAULT NULL;
    DECLARE v_staff_role VARCHAR(9) DEFAULT NULL;
    DECLARE v_staff_center_id INT DEFAULT NULL;
    DECLARE v_staff_name VARCHAR(120) DEFAULT NULL;
    DECLARE v_inventory_id INT DEFAULT NULL;
    DECLARE v_on_hand INT DEFAULT NULL;
    DECLARE v_owed_id INT DEFAULT NULL;
    DECLARE v_owed_left INT DEFAULT NULL;
    DECLARE v_valid_quantity BOOLEAN DEFAULT FALSE;
    DECLARE v_code VARCHAR(32) DEFAULT NULL;
    DECLARE v_reason VARCHAR(255) DEFAULT NULL;
    DECLARE v_error VARCHAR(128) DEFAULT NULL;
    DECLARE v_now DATETIME(6);
    DECLARE v_today DATE;
    DECLARE v_usable INT DEFAULT 0;
    DECLARE v_left INT DEFAULT 0;
    DECLARE v_lot_id INT DEFAULT NULL;
    DECLARE v_lot_quantity INT DEFAULT NULL;
    DECLARE v_take INT DEFAULT 0;
    -- A locking read that finds no row leaves its variables NULL.
    DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    SET p_log_id = NULL, p_status = NULL, p_reason = NULL;

    -- Unknown ids: one read, always one row.
    SELECT h.household_id, ap.package_id, ap.is_active, ap.validity_period_days,
           dc.center_id, dc.status, sm.staff_id, sm.status, sm.role, sm.center_id,
           LEFT(CONCAT(sm.first_name, ' ', sm.last_name), 120)
      INTO v_household_id, v_package_id, v_package_active, v_validity_days,
           v_center_id, v_center_status, v_staff_id, v_staff_status, v_staff_role,
           v_staff_center_id, v_staff_name
      FROM (SELECT 1 AS one) AS args
      LEFT JOIN Households h ON h.household_id = p_household_id
      LEFT JOIN Aid_Packages ap ON ap.package_id = p_package_id
      LEFT JOIN Distribution_Centers dc ON dc.center_id = p_center_id
      LEFT JOIN Staff_Members sm ON sm.staff_id = p_staff_id;
    IF v_household_id IS NULL THEN
        SET v_error = CONCAT('sp_distribute_package: household ',
                             COALESCE(p_household_id, 'NULL'), ' does not exist');
    ELSEIF v_package_id IS NULL THEN
        SET v_error = CONCAT('sp_distribute_package: package ',
                             COALESCE(p_package_id, 'NULL'), ' does not exist');
    ELSEIF v_center_id IS NULL THEN
        SET v_error = CONCAT('sp_distribute_package: center ',
                             COALESCE(p_center_id, 'NULL'), ' does not exist');
    ELSEIF p_staff_id IS NOT NULL AND v_staff_id IS NULL THEN
        SET v_error = CONCAT('sp_distribute_package: staff member ', p_staff_id,
                             ' does not exist');
    END IF;
    IF v_error IS NOT NULL THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_error;
    END IF;

    SET v_valid_quantity = p_quantity IS NOT NULL AND p_quantity BETWEEN 1 AND 100;
    IF NOT v_valid_quantity THEN
        SET v_code = 'invalid_quantity';
    ELSE
        START TRANSACTION;
        -- Lock order, always: the household row, then the inventory row (defect 3).
        -- No consistent read happens before both locks are held, so under
        -- REPEATABLE READ too the eligibility check below sees every distribution
        -- committed by whoever held the household lock before us.
        SELECT status INTO v_household_status
          FROM Households WHERE household_id = p_household_id FOR UPDATE;
        IF v_household_status IS NULL THEN
            SET v_error = CONCAT('sp_distribute_package: household ', p_household_id,
                                 ' does not exist');
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_error;
        END IF;
        -- The household lock as a write Galera certifies (core.db.galera.certify).
        IF @@wsrep_on THEN
            INSERT INTO Cluster_Locks (lock_name, lock_key, version)
            VALUES ('household', p_household_id, 1)
            ON DUPLICATE KEY UPDATE version = version + 1;
        END IF;
        SELECT inventory_id, quantity_on_hand INTO v_inventory_id, v_on_hand
          FROM Inventory WHERE center_id = p_center_id AND package_id = p_package_id
          FOR UPDATE;
        -- One moment for the whole decision and the rows it writes, as the service.
        SET v_now = UTC_TIMESTAMP(6);
        SET v_today = DATE(v_now);

        -- Statuses and roles compare exactly (binary), as Python does, not under
        -- the case-insensitive, pad-space collation of the columns.
        IF CAST(v_household_status AS BINARY) <> 'active' THEN
            SET v_code = 'household_inactive';
        ELSEIF NOT v_package_active THEN
            SET v_code = 'package_inactive';
        ELSEIF CAST(v_center_status AS BINARY) <> 'active' THEN
            SET v_code = 'center_inactive';
        ELSEIF v_staff_id IS NULL
            OR CAST(v_staff_status AS BINARY) <> 'active'
            OR NOT (CAST(v_staff_role AS BINARY) = 'admin'
                    OR v_staff_center_id <=> p_center_id) THEN
            SET v_code = 'staff_not_allowed';
        -- Eligibility in UTC calendar days: a successful, not-voided distribution
        -- blocks from midnight UTC of (today - (validity_period_days - 1) days).
        -- The household's own distributions and its confirmed duplicates' count alike.
        ELSEIF EXISTS (
            SELECT 1
              FROM Households f
             CROSS JOIN Distribution_Log dl
             WHERE (f.household_id = p_household_id OR f.duplicate_of_id = p_household_id)
               AND dl.household_id = f.household_id
               AND dl.package_id = p_package_id
               AND dl.transaction_status = 'success'
               AND dl.distribution_date >=
                   CAST(UTC_DATE() - INTERVAL (v_validity_days - 1) DAY AS DATETIME(6))
               AND NOT EXISTS (
                   SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id
               )
        ) THEN
            -- Blocked, unless an open owed item still owes at least p_quantity:
            -- the owed item that expires last, as statements.open_owed reads it.
            SELECT o.owed_id, o.quantity_owed - COALESCE((
                       SELECT SUM(f.quantity_distributed)
                         FROM Distribution_Log f
                        WHERE f.owed_item_id = o.owed_id
                          AND f.transaction_status = 'success'
                          AND NOT EXISTS (
                              SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = f.log_id
                          )
                   ), 0)
              INTO v_owed_id, v_owed_left
              FROM Owed_Items o
             WHERE o.household_id = p_household_id
               AND o.package_id = p_package_id
               AND o.expires_at > v_now
               AND NOT EXISTS (
                   SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = o.log_id
               )
             ORDER BY o.expires_at DESC
             LIMIT 1;
            IF v_owed_id IS NULL OR v_owed_left <= 0 OR p_quantity > v_owed_left THEN
                SET v_code = 'not_eligible';
            END IF;
        END IF;
        -- Owed units still need the stock: the stock checks follow every go-ahead.
        -- Only unexpired lots count; they are read (and locked) under the
        -- inventory row's lock, the only lock their writers take first.
        IF v_code IS NULL THEN
            IF v_inventory_id IS NOT NULL THEN
                SELECT COALESCE(SUM(l.quantity), 0) INTO v_usable
                  FROM Stock_Lots l
                 WHERE l.inventory_id = v_inventory_id
                   AND l.quantity > 0 AND (l.expiry_date IS NULL OR l.expiry_date >= v_today)
                   FOR UPDATE;
            END IF;
            IF v_inventory_id IS NULL THEN
                SET v_code = 'no_inventory';
            ELSEIF v_on_hand < p_quantity OR v_usable < p_quantity THEN
                SET v_code = 'insufficient_stock';
            END IF;
        END IF;

        IF v_code IS NULL THEN
            UPDATE Inventory
               SET quantity_on_hand = quantity_on_hand - p_quantity, updated_at = v_now
             WHERE inventory_id = v_inventory_id;
            INSERT INTO Distribution_Log (
                household_id, package_id, center_id, staff_id, staff_name, staff_role,
                quantity_distributed, distribution_date, transaction_status,
                failure_reason, failure_code, notes, voided_log_id, visit_id, owed_item_id
            ) VALUES (
                p_household_id, p_package_id, p_center_id, p_staff_id, v_staff_name,
                v_staff_role, p_quantity, v_now, 'success', NULL, NULL, NULL, NULL, NULL,
                v_owed_id
            );
            SET p_log_id = LAST_INSERT_ID();
            -- First expiry, first out: each pass takes what it can from the unexpired
            -- lot that expires first; a lot it empties drops out of the next pass.
            SET v_left = p_quantity;
            WHILE v_left > 0 DO
                SET v_lot_id = NULL;
                SELECT l.lot_id, l.quantity INTO v_lot_id, v_lot_quantity
                  FROM Stock_Lots l
                 WHERE l.inventory_id = v_inventory_id
                   AND l.quantity > 0 AND (l.expiry_date IS NULL OR l.expiry_date >= v_today)
                 ORDER BY l.expiry_date IS NULL, l.expiry_date, l.lot_id
                 LIMIT 1
                   FOR UPDATE;
                IF v_lot_id IS NULL THEN
                    SET v_error = CONCAT('sp_distribute_package: the lots of inventory row ',
                                         v_inventory_id, ' hold fewer units than counted');
                    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_error;
                END IF;
                SET v_take = LEAST(v_left, v_lot_quantity);
                UPDATE Stock_Lots SET quantity = quantity - v_take WHERE lot_id = v_lot_id;
                INSERT INTO Distribution_Lot_Takes (log_id, lot_id, quantity)
                VALUES (p_log_id, v_lot_id, v_take);
                SET v_left = v_left - v_take;
            END WHILE;
            COMMIT;
            SET p_status = 'success', p_reason = NULL;
            LEAVE proc;
        END IF;
        -- Refused: release the locks before writing the audit row.
        ROLLBACK;
    END IF;

    SET v_reason = CASE v_code
        WHEN 'invalid_quantity' THEN 'Quantity must be a whole number from 1 to 100.'
        WHEN 'household_inactive' THEN 'This household is not active and cannot receive aid.'
        WHEN 'package_inactive' THEN 'This package is no longer being distributed.'
        WHEN 'center_inactive' THEN 'This distribution center is not active.'
        WHEN 'staff_not_allowed' THEN 'You are not allowed to record distributions at this center.'
        WHEN 'not_eligible' THEN 'This household already received this package within its validity period.'
        WHEN 'no_inventory' THEN 'This center does not stock this package.'
        WHEN 'insufficient_stock' THEN 'Not enough stock at this center for this quantity.'
    END;
    START TRANSACTION;
    INSERT INTO Distribution_Log (
        household_id, package_id, center_id, staff_id, staff_name, staff_role,
        quantity_distributed, distribution_date, transaction_status, failure_reason,
        failure_code, notes, voided_log_id, visit_id, owed_item_id
    ) VALUES (
        p_household_id, p_package_id, p_center_id, p_staff_id,
        COALESCE(v_staff_name, ''), COALESCE(v_staff_role, ''),
        IF(v_valid_quantity, p_quantity, 1),
        UTC_TIMESTAMP(6), 'failed', v_reason, v_code,
        IF(v_valid_quantity, NULL,
           CONCAT('Requested quantity: ', COALESCE(CAST(p_quantity AS CHAR), 'None'))),
        NULL, NULL, NULL
    );
    SET p_log_id = LAST_INSERT_ID();
    COMMIT;
    SET p_status = v_code, p_reason = v_reason;
END;
