-- Where each device was last heard from (the address of its enrolment and
-- of its heartbeats), so that the admin's list of enrolment requests can
-- say which come from an address that already has a device; and the
-- requests counted per address, which a flood from a few machines must not
-- get past.

ALTER TABLE devices ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_address ON devices (address);
CREATE INDEX enrolments_remote ON enrolments (remote, state);
