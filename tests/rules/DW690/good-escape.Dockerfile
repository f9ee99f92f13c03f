# escape=`
FROM debian:12
ARG file
RUN printf '%s\n' 'one\two' `
    && cp "/src/$file" /dst/ `
    && echo finished
