-- Rows written before the log kept its staff snapshot get the staff member as named
-- now, the nearest to "then" the database still knows (audit.services.actor_snapshot:
-- first and last name, cut to 120 characters, and the role). The append-only trigger
-- refuses every UPDATE, so it is dropped for this one statement; the migration
-- re-creates it from its released file right after.
DROP TRIGGER IF EXISTS trg_distribution_log_no_update;
UPDATE Distribution_Log d
  JOIN Staff_Members s ON s.staff_id = d.staff_id
   SET d.staff_name = LEFT(CONCAT(s.first_name, ' ', s.last_name), 120),
       d.staff_role = s.role
 WHERE d.staff_role = '';
