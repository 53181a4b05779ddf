"""Youth and volunteer groups (BYFORES, Secure Kids): leaders, co-leader invitations, members
(many of them minors without an account), group bookings, and guardian consent for a minor's place
(`consent`)."""
