FROM php:8.4-fpm
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /var/www
RUN composer install --no-dev --no-cache
RUN composer require monolog/monolog:3.8.1 && composer clear-cache
RUN COMPOSER_CACHE_DIR=/dev/null composer update --no-dev
RUN --mount=type=cache,target=/root/.composer/cache composer install
RUN set -eux; export COMPOSER_HOME="$(mktemp -d)"; composer install; rm -rf "$COMPOSER_HOME"
RUN composer dump-autoload --optimize
