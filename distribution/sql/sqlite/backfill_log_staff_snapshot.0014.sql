-- Rows written before the log kept its staff snapshot get the staff member as named
-- now, the nearest to "then" the database still knows (audit.services.actor_snapshot:
-- first and last name, cut to 120 characters, and the role). The append-only trigger
-- refuses every UPDATE, so it is dropped for this one statement; the migration
-- re-creates it from its released file right after.
DROP TRIGGER IF EXISTS trg_distribution_log_no_update;
UPDATE Distribution_Log
   SET staff_name = (SELECT substr(s.first_name || ' ' || s.last_name, 1, 120)
                       FROM Staff_Members s WHERE s.staff_id = Distribution_Log.staff_id),
       staff_role = (SELECT s.role
                       FROM Staff_Members s WHERE s.staff_id = Distribution_Log.staff_id)
 WHERE staff_id IS NOT NULL AND staff_role = '';
