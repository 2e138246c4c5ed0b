ALTER TABLE stations ADD COLUMN elevation REAL;
