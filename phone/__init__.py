"""The citizen's phone (指尖办、码上办): remote tickets, online appointments, notices; and the managers' pages
for service hours, quotas, remote queueing, booking plans and the poster QR."""
