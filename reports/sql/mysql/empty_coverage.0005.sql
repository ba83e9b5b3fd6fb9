DELETE FROM Coverage_Counts;

DELETE FROM Coverage_Last_Service;

DELETE FROM Coverage_Last_Package;
