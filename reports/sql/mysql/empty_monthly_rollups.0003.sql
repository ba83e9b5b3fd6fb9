DELETE FROM Distribution_Monthly_Households;

DELETE FROM Distribution_Household_Months;

DELETE FROM Distribution_Monthly_Rollup;
