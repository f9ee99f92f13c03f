FROM eclipse-temurin:21 AS base
FROM base
COPY target/app.jar /app.jar
ENTRYPOINT ["java", "-jar", "/app.jar"]
