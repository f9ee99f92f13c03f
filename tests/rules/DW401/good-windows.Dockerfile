FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
CMD Start-Service w3svc; Get-Content -Wait C:\logs\app.log
