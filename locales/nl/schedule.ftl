# Rooms, links and calendars of sessions (issue 15).
session-room = Zaal
session-link = Naar de stream of vergadering
session-calendar = In je agenda (.ics)
event-calendar-feed = Abonneer op het programma (agenda)
