# Rooms, links and calendars of sessions (issue 15).
session-room = Room
session-link = Go to the stream or meeting
session-calendar = Add to your calendar (.ics)
event-calendar-feed = Subscribe to the programme (calendar)
