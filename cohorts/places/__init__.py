"""The place kernel and everything that takes or gives up a place: applications, activity
registrations, decisions, the waitlist and its offers, nominations by focal points, completion,
and the participant's pages. Every path that takes a place goes through `services`."""
