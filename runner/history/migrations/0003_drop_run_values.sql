-- Version 3: run_values lives on in run_series (0002).
DROP TABLE run_values;
