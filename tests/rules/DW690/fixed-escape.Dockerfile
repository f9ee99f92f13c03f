# escape=`
FROM debian:12
# a backtick continues the line; a backslash is the shell's own
RUN echo "one\two" `
    && cp /src/"$file" /dst/ `
    && echo finished
