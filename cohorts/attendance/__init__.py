"""Attendance: an activity's sessions, participant passes (PDF with a QR code), the check-in desk,
corrections, sign-in sheets and the attendance export."""
