FROM nginx:1.27-alpine
COPY site /usr/share/nginx/html
EXPOSE 80
