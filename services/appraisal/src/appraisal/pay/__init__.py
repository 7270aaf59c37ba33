"""Agenda for Change pay progression (annex 23) and the HR flags it depends on."""
