FROM gradle:8.10-jdk21 AS build
WORKDIR /home/gradle/app
COPY . .
RUN gradle dependencies --no-daemon
RUN gradle bootJar --no-daemon
