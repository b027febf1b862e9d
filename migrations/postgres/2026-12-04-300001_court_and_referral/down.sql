DROP TABLE referral_pack_reads;
DROP TABLE referral_notes;
DROP TABLE case_contacts;
DROP INDEX assessments_court;
ALTER TABLE assessments DROP COLUMN court_code;
